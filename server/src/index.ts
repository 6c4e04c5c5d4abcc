import { createLogger, migrate, openDatabase, stopOnSignals } from '@pmd/db';
import { buildApp } from './app.ts';

// Runs the API alone: DATABASE_URL (or an embedded PostgreSQL), migrated, on PORT (8000).
const log = createLogger('server');
const database = await openDatabase(log);
await migrate(database.url, log);
const app = buildApp({ databaseUrl: database.url, log });
await app.start();

stopOnSignals(log, async () => {
  await app.stop();
  await database.stop();
});
