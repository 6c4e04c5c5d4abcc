import { defineConfig, env } from 'prisma/config';

// `prisma migrate` cannot run here (no schema-engine binary); migrations are applied by src/migrate.ts.
export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: env('DATABASE_URL') },
});
