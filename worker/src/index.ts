import { createLogger, migrate, openDatabase } from '@pmd/db';
import { startWorker } from './worker.ts';

// Runs the worker alone: DATABASE_URL (or the embedded PostgreSQL), migrated, with worker/crontab.
const log = createLogger('worker');
const database = await openDatabase(log);
await migrate(database.url, log);
const runner = await startWorker({ databaseUrl: database.url, log });
log.info('worker started');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await runner.stop();
    await database.stop();
    process.exit(0);
  });
}
