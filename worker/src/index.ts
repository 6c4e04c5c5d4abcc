import { configOrExit, createLogger, migrate, openDatabase, stopOnSignals } from '@pmd/db';
import { workerConfig } from './config.ts';
import { startWorker } from './worker.ts';

// Runs the worker alone: DATABASE_URL (or the embedded PostgreSQL), migrated, with worker/crontab. A bad variable
// (a leftover ANOMALY_* included: thresholds are alert rules now) stops the start here, naming it.
const config = configOrExit('worker', workerConfig);
const log = createLogger('worker', config.log);
const database = await configOrExit('worker', () => openDatabase(log, config.database));
await migrate(database.url, log);
const runner = await startWorker({
  databaseUrl: database.url,
  log,
  sweepIntervalMs: config.sweepIntervalMs,
  notify: config.notify,
  reportingTimeZone: config.reportingTimeZone,
  retention: config.retention,
});
log.info('worker started');

stopOnSignals(log, async () => {
  await runner.stop();
  await database.stop();
});
