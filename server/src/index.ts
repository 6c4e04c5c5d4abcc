import { createLogger, migrate, openDatabase } from '@pmd/db';
import { buildApp } from './app.ts';

// Runs the API alone: DATABASE_URL (or an embedded PostgreSQL), migrated, on PORT (8000).
const log = createLogger('server');
const database = await openDatabase(log);
await migrate(database.url, log);
const app = buildApp({ databaseUrl: database.url, log });
await app.start();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.stop();
    await database.stop();
    process.exit(0);
  });
}
