import { configOrExit, createLogger, migrate, openDatabase } from '@pmd/db';
import { SingleBar, Presets } from 'cli-progress';
import pg from 'pg';
import { type BackfillArgs, parseBackfillArgs } from './lib/backfill-args.ts';
import { backfillDays } from './lib/backfill.ts';
import { workerConfig } from './config.ts';

// `pnpm worker backfill --from 2026-11-01 --to 2026-11-25`: rebuilds minute, hourly and daily rollups of those UTC
// days from raw_events (e.g. after raw events were loaded by COPY), with a progress bar.
const config = configOrExit('backfill', workerConfig);
const log = createLogger('backfill', config.log);
let args: BackfillArgs;
try {
  args = parseBackfillArgs(process.argv.slice(2).filter((arg) => arg !== '--'));
} catch (error) {
  console.error(`backfill: ${error instanceof Error ? error.message : String(error)}`);
  console.error('usage: pnpm worker backfill --from YYYY-MM-DD --to YYYY-MM-DD [--parallel 2]');
  process.exit(2);
}

const database = await configOrExit('backfill', () => openDatabase(log, config.database));
await migrate(database.url, log);
const clients = Array.from(
  { length: Math.min(args.parallel, args.days.length) },
  () => new pg.Client({ connectionString: database.url }),
);
await Promise.all(clients.map((client) => client.connect()));
const bar = new SingleBar(
  { format: 'backfill [{bar}] {value}/{total} days | {day} | {minuteRows} minute rows | {eta_formatted} left' },
  Presets.shades_classic,
);
const startedAt = Date.now();
try {
  bar.start(args.days.length, 0, { day: '', minuteRows: 0 });
  let minuteRows = 0;
  const totals = await backfillDays(clients, args.days, (day, result) => {
    minuteRows += result.minuteRows;
    bar.increment({ day: day.toISOString().slice(0, 10), minuteRows });
  });
  log.info(
    { days: args.days.length, parallel: clients.length, ...totals, ms: Date.now() - startedAt },
    'backfill done',
  );
} finally {
  bar.stop();
  await Promise.all(clients.map((client) => client.end()));
  await database.stop();
}
