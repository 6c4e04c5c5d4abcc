import { parseArgs } from 'node:util';
import { createDatabaseClients, createLogger, indexClosedDays, sqlRatio, type DatabaseClients } from '@pmd/db';
import { minuteSumsSql, ROLLUP_COLUMNS } from '@pmd/domain';
import type pg from 'pg';
import { openBenchDatabase } from './lib/database.ts';
import { revisionsToMeasure, type Revision } from './lib/revision.ts';
import { startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { ms, quantile } from './lib/stats.ts';

/**
 * `pnpm bench:read [--events 10000000] [--iterations 40] [--brute-iterations 3] [--baseline <git rev>]`: p50/p95 over
 * HTTP of overview, funnel, breakdown and one campaign's overview for 15 min, 1 h, 24 h and 7 d windows, the campaign
 * list and one campaign's conversion delays, on N raw events spread over 90 days (rollups built as the worker would),
 * against the same numbers by brute force over raw_events (the conversion delays have none).
 * With `--baseline <rev>` (e.g. `main`) that revision's server is measured afterwards in the same run, on a database of
 * its own migrated by its own migrations (lib/revision.ts) and loaded with the same seeded rows by `load` below, whose
 * plain SQL only writes tables and columns both revisions have; a last table sets both side by side.
 */
const { values: options } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '40' },
    'brute-iterations': { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const EVENTS = Number(options.events);
const ITERATIONS = Number(options.iterations);
const BRUTE_ITERATIONS = Number(options['brute-iterations']);
const log = createLogger('bench-read');

const KEYS = [
  ['camp_google_brand', 'google'],
  ['camp_meta_prospecting', 'meta'],
  ['camp_meta_prospecting', 'instagram'],
  ['camp_tiktok_creative', 'tiktok'],
  ['camp_email_reactivation', 'email'],
];

async function load(pool: pg.Pool): Promise<void> {
  // One session with a fixed seed: every database (this checkout's, the baseline's) gets the same rows.
  const session = await pool.connect();
  try {
    await session.query('SELECT setseed(0.42)');
    await loadIn(session);
  } finally {
    session.release();
  }
}

async function loadIn(session: pg.PoolClient): Promise<void> {
  const { rows } = await session.query('SELECT count(*) AS n FROM raw_events');
  if (Number(rows[0].n) === EVENTS) {
    log.info({ events: EVENTS }, 'reusing loaded events (rollups rebuilt)');
  } else {
    await session.query(
      'TRUNCATE raw_events, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
    );
    // A partitioned checkout (event_ids, a partition per UTC day) gets its days' partitions first, so the rows land
    // where ingest would put them; an unpartitioned baseline has neither.
    await session.query(`DO $$ BEGIN
      IF to_regclass('event_ids') IS NOT NULL THEN TRUNCATE event_ids; END IF;
      IF to_regproc('raw_events_create_partition') IS NOT NULL THEN
        PERFORM raw_events_create_partition(d::date)
        FROM generate_series(now() - interval '91 days', now() + interval '1 day', interval '1 day') d;
      END IF;
    END $$`);
    const chunk = 1_000_000;
    for (let start = 0; start < EVENTS; start += chunk) {
      const end = Math.min(EVENTS, start + chunk);
      await session.query(
        `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
         SELECT 'e' || g, now() - random() * interval '90 days', 'user_' || lpad((g % 2000)::text, 5, '0'),
                ($3::text[])[1 + g % 5], ($4::text[])[1 + g % 5],
                CASE WHEN r < 0.90 THEN 'ad_impression' WHEN r < 0.95 THEN 'ad_click' WHEN r < 0.98 THEN 'signup' ELSE 'activation' END,
                CASE WHEN r >= 0.90 AND r < 0.95 THEN round((random() * 1.5)::numeric, 6) ELSE 0 END
         FROM (SELECT g, random() AS r FROM generate_series($1::bigint, $2::bigint) g) s`,
        [start + 1, end, KEYS.map((k) => k[0]), KEYS.map((k) => k[1])],
      );
      log.info({ loaded: end, of: EVENTS }, 'loading raw events');
    }
  }
  await session.query(
    'TRUNCATE campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
  );
  // What ingest (minute rows, dirty hours) and the worker (hour and day rows) would have written.
  await session.query(
    `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
     ${minuteSumsSql(() => 'true')}`,
  );
  const ratios = `${sqlRatio('sum(clicks)', 'sum(impressions)')}, ${sqlRatio('sum(signups)', 'sum(clicks)')}, ${sqlRatio('sum(activations)', 'sum(signups)')}`;
  await session.query(
    `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations, cost, total_cost,
                                          ctr, click_to_signup, signup_to_activation)
     SELECT campaign_id, channel, date_trunc('hour', minute, 'UTC'), sum(impressions), sum(clicks), sum(signups), sum(activations),
            sum(cost), sum(total_cost), ${ratios}
     FROM campaign_metrics_minute GROUP BY 1, 2, 3`,
  );
  await session.query(
    `INSERT INTO campaign_metrics_daily (campaign_id, channel, day, impressions, clicks, signups, activations, cost, total_cost,
                                         ctr, click_to_signup, signup_to_activation)
     SELECT campaign_id, channel, (hour AT TIME ZONE 'UTC')::date, sum(impressions), sum(clicks), sum(signups), sum(activations),
            sum(cost), sum(total_cost), ${ratios}
     FROM campaign_metrics_hourly GROUP BY 1, 2, 3`,
  );
  // As in production, the current and the previous hour are still queued for the worker.
  await session.query(
    `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
     SELECT k.campaign_id, k.channel, v.hour FROM unnest($1::text[], $2::text[]) AS k(campaign_id, channel)
     CROSS JOIN (VALUES (date_trunc('hour', now(), 'UTC')), (date_trunc('hour', now(), 'UTC') - interval '1 hour')) AS v(hour)`,
    [KEYS.map((k) => k[0]), KEYS.map((k) => k[1])],
  );
  await session.query('ANALYZE');
}

const TOTALS =
  'impressions clicks signups activations ctr clickToSignup signupToActivation spend cpc cpm costPerSignup costPerActivation';
/**
 * The campaign of the filtered reads: one campaign's reads are those raw_events' (campaign_id, ts) index serves (the
 * raw edges of its windows, its first and last event, its conversion delays), so a change to that index shows here.
 */
const ONE_CAMPAIGN = KEYS[0]![0]!;
const QUERIES = {
  overview: `query ($w: WindowInput!, $f: KpiFilter) { overview(window: $w, filter: $f) { ... on Overview { current { ${TOTALS} } previous { ${TOTALS} } change { clicks ctr } } } }`,
  funnel: `query ($w: WindowInput!) { funnel(window: $w) { ... on Funnel { stages { stage count conversionFromPrevious } } } }`,
  breakdown: `query ($w: WindowInput!) { breakdown(window: $w) { ... on Breakdown { rows { campaignId channel status totals { ${TOTALS} } } } } }`,
};
/** The cells of each window: a query, and the campaign it is filtered to (null: every campaign). */
const WINDOW_CELLS: { kind: string; query: keyof typeof QUERIES; campaign: string | null }[] = [
  { kind: 'overview', query: 'overview', campaign: null },
  { kind: 'funnel', query: 'funnel', campaign: null },
  { kind: 'breakdown', query: 'breakdown', campaign: null },
  { kind: 'overview, one campaign', query: 'overview', campaign: ONE_CAMPAIGN },
];
/** Cells read once, not per window: the campaign list (first and last events), one campaign's conversion delays. */
const CAMPAIGNS_QUERY = '{ campaigns { campaignId channels firstEventAt lastEventAt } }';
const DELAYS_QUERY = `query ($w: WindowInput!, $f: KpiFilter) { conversionDelays(window: $w, filter: $f) { ... on ConversionDelays { steps { p50 } } } }`;
const campaignFilter = (campaign: string) => ({ campaignIds: [campaign] });

const BRUTE_SUMS = `count(*) FILTER (WHERE event_type = 'ad_impression') AS impressions,
  count(*) FILTER (WHERE event_type = 'ad_click') AS clicks, count(*) FILTER (WHERE event_type = 'signup') AS signups,
  count(*) FILTER (WHERE event_type = 'activation') AS activations, sum(cost) AS spend`;

async function bruteForce(
  pool: pg.Pool,
  kind: keyof typeof QUERIES,
  campaign: string | null,
  from: Date,
  to: Date,
): Promise<unknown> {
  const rows = async (select: string, start: Date, end: Date, groupBy = '') =>
    (
      await pool.query(
        `SELECT ${select} FROM raw_events WHERE ts >= $1 AND ts < $2 AND ($3::text IS NULL OR campaign_id = $3) ${groupBy}`,
        [start, end, campaign],
      )
    ).rows;
  if (kind === 'breakdown') return rows(`campaign_id, channel, ${BRUTE_SUMS}`, from, to, 'GROUP BY 1, 2');
  const current = await rows(BRUTE_SUMS, from, to);
  if (kind === 'funnel') return current;
  return [current, await rows(BRUTE_SUMS, new Date(2 * from.getTime() - to.getTime()), from)];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

interface RevisionResult {
  revision: Revision;
  /** [kind, window, p50, p95, brute p50, speedup] per cell, then the no-database floor. */
  rows: string[][];
  p50s: number[];
  p95s: number[];
  rssMiB: number;
}

interface Target {
  revision: Revision;
  pool: pg.Pool;
  server: ServerProcess;
  result: RevisionResult;
}

const WINDOWS: [string, number][] = [
  ['15 min', 15],
  ['1 h', 60],
  ['24 h', 1440],
  ['7 d', 10080],
];

/** Sends `body` to the target's /graphql and fails on GraphQL errors. */
async function post(target: Target, body: unknown): Promise<void> {
  const response = await fetch(`${target.server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { errors?: unknown };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
}

function record(result: RevisionResult, row: string[], fast: number[]): void {
  result.rows.push(row);
  result.p50s.push(quantile(fast, 0.5));
  result.p95s.push(quantile(fast, 0.95));
}

/**
 * One cell against every target: `body` over HTTP ITERATIONS times, the targets' requests taking turns, then `brute`
 * (the same numbers by SQL over raw_events) BRUTE_ITERATIONS times, when the cell has one.
 */
async function measureCell(
  targets: Target[],
  kind: string,
  label: string,
  body: unknown,
  brute: ((pool: pg.Pool) => Promise<unknown>) | null,
): Promise<void> {
  for (const target of targets) for (let i = 0; i < 5; i++) await post(target, body);
  // Request by request in turn, so a neighbour's burst on this shared machine delays every revision alike.
  const fast = targets.map((): number[] => []);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [t, target] of targets.entries()) fast[t]!.push(await timed(() => post(target, body)));
  }
  for (const [t, target] of targets.entries()) {
    const bruteMs: number[] = [];
    for (let i = 0; brute && i < BRUTE_ITERATIONS; i++) bruteMs.push(await timed(() => brute(target.pool)));
    const p50 = quantile(fast[t]!, 0.5);
    const p95 = quantile(fast[t]!, 0.95);
    const bruteP50 = bruteMs.length ? quantile(bruteMs, 0.5) : null;
    const bruteCells = bruteP50 === null ? ['-', '-'] : [ms(bruteP50), `${(bruteP50 / p50).toFixed(0)}×`];
    record(target.result, [kind, label, ms(p50), ms(p95), ...bruteCells], fast[t]!);
    log.info({ revision: target.revision.label, kind, window: label, p50, p95, bruteP50 }, 'measured');
  }
}

/** Every cell against every target (this checkout, the baseline). */
async function measure(targets: Target[]): Promise<void> {
  const now = Date.now();
  for (const [label, minutes] of WINDOWS) {
    // Explicit from/to so brute force reads exactly the same window; the edges are not minute-aligned on purpose.
    const to = new Date(now - 1_234);
    const from = new Date(to.getTime() - minutes * 60_000);
    const w = { from: from.toISOString(), to: to.toISOString() };
    for (const { kind, query, campaign } of WINDOW_CELLS) {
      const variables = campaign ? { w, f: campaignFilter(campaign) } : { w };
      await measureCell(targets, kind, label, { query: QUERIES[query], variables }, (pool) =>
        bruteForce(pool, query, campaign, from, to),
      );
    }
  }
  await measureCell(targets, 'campaigns (first and last event)', '-', { query: CAMPAIGNS_QUERY }, (pool) =>
    pool.query('SELECT campaign_id, min(ts), max(ts) FROM raw_events GROUP BY 1'),
  );
  const to = new Date(now - 1_234);
  const delaysWindow = { from: new Date(to.getTime() - 24 * 60 * 60_000).toISOString(), to: to.toISOString() };
  await measureCell(
    targets,
    'conversionDelays, one campaign',
    '24 h',
    { query: DELAYS_QUERY, variables: { w: delaysWindow, f: campaignFilter(ONE_CAMPAIGN) } },
    null,
  );
  // The floor: the same HTTP + GraphQL round trip without any database work.
  const floor = targets.map((): number[] => []);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [t, target] of targets.entries())
      floor[t]!.push(await timed(() => post(target, { query: '{ serverTime }' })));
  }
  for (const [t, target] of targets.entries()) {
    const samples = floor[t]!;
    record(
      target.result,
      ['serverTime (no database)', '-', ms(quantile(samples, 0.5)), ms(quantile(samples, 0.95)), '-', '-'],
      samples,
    );
    target.result.rssMiB = await target.server.rssMiB();
  }
}

function report(results: RevisionResult[]): void {
  const header = ['query', 'window', 'p50 ms (HTTP)', 'p95 ms (HTTP)', 'brute force p50 ms (SQL only)', 'speedup p50'];
  for (const result of results) {
    console.log(
      `\nbench:read (${result.revision.label}) — ${EVENTS.toLocaleString('en')} raw events over 90 days, ${ITERATIONS} requests per cell, server RSS ${result.rssMiB.toFixed(0)} MiB`,
    );
    console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
    for (const row of result.rows) console.log(`| ${row.join(' | ')} |`);
  }
  const [current, baseline] = results;
  if (!current || !baseline) return;
  const columns = ['query', 'window', 'p50 ms', 'baseline p50', 'ratio', 'p95 ms', 'baseline p95', 'ratio'];
  console.log(`\n${current.revision.label} vs ${baseline.revision.label} (ratio = this / baseline; < 1 is faster)`);
  console.log(`| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|`);
  current.rows.forEach((row, i) => {
    const ratio = (mine: number[], theirs: number[]) => (mine[i]! / theirs[i]!).toFixed(2);
    console.log(
      `| ${[
        row[0],
        row[1],
        ms(current.p50s[i]!),
        ms(baseline.p50s[i]!),
        ratio(current.p50s, baseline.p50s),
        ms(current.p95s[i]!),
        ms(baseline.p95s[i]!),
        ratio(current.p95s, baseline.p95s),
      ].join(' | ')} |`,
    );
  });
}

/**
 * A revision whose migrations keep raw_events' campaign index off the open days has its worker build it on each closed
 * day: done here once after the load. Revisions with the partitioned index (or none partitioned) have it already.
 */
async function indexAsTheWorkerWould(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ closed_days: boolean }>(
      `SELECT to_regclass('raw_events_default') IS NOT NULL
              AND to_regclass('raw_events_campaign_id_ts_idx') IS NULL AS closed_days`,
    );
    if (!rows[0]!.closed_days) return;
    const indexed = await indexClosedDays(client, new Date());
    if (indexed.length) await client.query('ANALYZE raw_events');
    log.info({ partitions: indexed.length }, 'closed days indexed by campaign');
  } finally {
    client.release();
  }
}

const revisions = await revisionsToMeasure(options.baseline, log);
const opened: { database: { stop(): Promise<void> }; clients: DatabaseClients; server?: ServerProcess }[] = [];
try {
  const targets: Target[] = [];
  for (const revision of revisions) {
    // Each revision on its own database, migrated by its own migrations, loaded with the same seeded rows.
    const name = revision.sha ? `pmd_bench_read_${revision.sha.slice(0, 10)}` : 'pmd_bench_read';
    const database = await openBenchDatabase(name, log, revision.migrate);
    const clients = createDatabaseClients(database.url);
    const handle: (typeof opened)[number] = { database, clients };
    opened.push(handle);
    const loadStart = Date.now();
    await load(clients.pool);
    await indexAsTheWorkerWould(clients.pool);
    log.info({ revision: revision.label, seconds: (Date.now() - loadStart) / 1000 }, 'data ready');
    handle.server = await startServerProcess(database.url, revision.root);
    targets.push({
      revision,
      pool: clients.pool,
      server: handle.server,
      result: { revision, rows: [], p50s: [], p95s: [], rssMiB: 0 },
    });
  }
  await measure(targets);
  report(targets.map((target) => target.result));
} finally {
  for (const { database, clients, server } of opened) {
    await server?.stop();
    await clients.close();
    await database.stop();
  }
  for (const revision of revisions) await revision.dispose();
}
