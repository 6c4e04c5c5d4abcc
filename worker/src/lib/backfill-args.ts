import { parseArgs } from 'node:util';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface BackfillArgs {
  /** Midnight UTC of each day to rebuild, oldest first. */
  days: Date[];
  /** Days rebuilt at once (connections). */
  parallel: number;
}

function utcDate(flag: string, value: string | undefined): Date {
  if (!value) throw new Error(`--${flag} is required (YYYY-MM-DD, a UTC day)`);
  const date = new Date(`${value}T00:00:00Z`);
  if (!DATE.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new Error(`--${flag} must be a date YYYY-MM-DD, got "${value}"`);
  }
  return date;
}

/** `--from 2026-11-01 --to 2026-11-25 [--parallel 2]`: both UTC days included. Throws a readable error on bad input. */
export function parseBackfillArgs(argv: string[]): BackfillArgs {
  const { values } = parseArgs({
    args: argv,
    options: { from: { type: 'string' }, to: { type: 'string' }, parallel: { type: 'string', default: '2' } },
    strict: true,
    allowPositionals: false,
  });
  const from = utcDate('from', values.from);
  const to = utcDate('to', values.to);
  if (to < from) throw new Error(`--to (${values.to}) is before --from (${values.from})`);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) {
    throw new Error(`--parallel must be an integer from 1 to 16, got "${values.parallel}"`);
  }
  const days: Date[] = [];
  for (let t = from.getTime(); t <= to.getTime(); t += DAY_MS) days.push(new Date(t));
  return { days, parallel };
}
