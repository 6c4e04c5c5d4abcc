import { createLogger, migrate, openDatabase, stopOnSignals } from '@pmd/db';
import { startWorker } from './worker.ts';

// Runs the worker alone: DATABASE_URL (or the embedded PostgreSQL), migrated, with worker/crontab.
const log = createLogger('worker');
const database = await openDatabase(log);
await migrate(database.url, log);
const runner = await startWorker({ databaseUrl: database.url, log });
log.info('worker started');

stopOnSignals(log, async () => {
  await runner.stop();
  await database.stop();
});
