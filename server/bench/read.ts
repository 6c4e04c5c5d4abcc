import { parseArgs } from 'node:util';
import { createDatabaseClients, createLogger, sqlRatio } from '@pmd/db';
import { minuteSumsSql, ROLLUP_COLUMNS } from '@pmd/domain';
import type pg from 'pg';
import { openBenchDatabase } from './lib/database.ts';
import { startServerProcess } from './lib/server-process.ts';
import { ms, quantile } from './lib/stats.ts';

/**
 * `pnpm bench:read [--events 10000000] [--iterations 40] [--brute-iterations 3]`: p50/p95 over HTTP of overview, funnel and
 * breakdown for 15 min, 1 h, 24 h and 7 d windows on N raw events spread over 90 days (rollups built as the worker
 * would), against the same numbers by brute force over raw_events.
 */
const { values: options } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '40' },
    'brute-iterations': { type: 'string', default: '3' },
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
  const { rows } = await pool.query('SELECT count(*) AS n FROM raw_events');
  if (rows[0].n === EVENTS) {
    log.info({ events: EVENTS }, 'reusing loaded events (rollups rebuilt)');
  } else {
    await pool.query(
      'TRUNCATE raw_events, event_ids, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
    );
    const chunk = 1_000_000;
    for (let start = 0; start < EVENTS; start += chunk) {
      const end = Math.min(EVENTS, start + chunk);
      await pool.query(
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
  await pool.query(
    'TRUNCATE campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
  );
  // What ingest (minute rows, dirty hours) and the worker (hour and day rows) would have written.
  await pool.query(
    `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${ROLLUP_COLUMNS.join(', ')})
     ${minuteSumsSql(() => 'true')}`,
  );
  const ratios = `${sqlRatio('sum(clicks)', 'sum(impressions)')}, ${sqlRatio('sum(signups)', 'sum(clicks)')}, ${sqlRatio('sum(activations)', 'sum(signups)')}`;
  await pool.query(
    `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations, cost, total_cost,
                                          ctr, click_to_signup, signup_to_activation)
     SELECT campaign_id, channel, date_trunc('hour', minute, 'UTC'), sum(impressions), sum(clicks), sum(signups), sum(activations),
            sum(cost), sum(total_cost), ${ratios}
     FROM campaign_metrics_minute GROUP BY 1, 2, 3`,
  );
  await pool.query(
    `INSERT INTO campaign_metrics_daily (campaign_id, channel, day, impressions, clicks, signups, activations, cost, total_cost,
                                         ctr, click_to_signup, signup_to_activation)
     SELECT campaign_id, channel, (hour AT TIME ZONE 'UTC')::date, sum(impressions), sum(clicks), sum(signups), sum(activations),
            sum(cost), sum(total_cost), ${ratios}
     FROM campaign_metrics_hourly GROUP BY 1, 2, 3`,
  );
  // As in production, the current and the previous hour are still queued for the worker.
  await pool.query(
    `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
     SELECT k.campaign_id, k.channel, v.hour FROM unnest($1::text[], $2::text[]) AS k(campaign_id, channel)
     CROSS JOIN (VALUES (date_trunc('hour', now(), 'UTC')), (date_trunc('hour', now(), 'UTC') - interval '1 hour')) AS v(hour)`,
    [KEYS.map((k) => k[0]), KEYS.map((k) => k[1])],
  );
  await pool.query('ANALYZE');
}

const TOTALS =
  'impressions clicks signups activations ctr clickToSignup signupToActivation spend cpc cpm costPerSignup costPerActivation';
const QUERIES = {
  overview: `query ($w: WindowInput!) { overview(window: $w) { ... on Overview { current { ${TOTALS} } previous { ${TOTALS} } change { clicks ctr } } } }`,
  funnel: `query ($w: WindowInput!) { funnel(window: $w) { ... on Funnel { stages { stage count conversionFromPrevious } } } }`,
  breakdown: `query ($w: WindowInput!) { breakdown(window: $w) { ... on Breakdown { rows { campaignId channel status totals { ${TOTALS} } } } } }`,
};

const BRUTE_SUMS = `count(*) FILTER (WHERE event_type = 'ad_impression') AS impressions,
  count(*) FILTER (WHERE event_type = 'ad_click') AS clicks, count(*) FILTER (WHERE event_type = 'signup') AS signups,
  count(*) FILTER (WHERE event_type = 'activation') AS activations, sum(cost) AS spend`;

async function bruteForce(pool: pg.Pool, kind: keyof typeof QUERIES, from: Date, to: Date): Promise<unknown> {
  if (kind === 'breakdown') {
    return (
      await pool.query(
        `SELECT campaign_id, channel, ${BRUTE_SUMS} FROM raw_events WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2`,
        [from, to],
      )
    ).rows;
  }
  const current = await pool.query(`SELECT ${BRUTE_SUMS} FROM raw_events WHERE ts >= $1 AND ts < $2`, [from, to]);
  if (kind === 'funnel') return current.rows;
  const previous = await pool.query(`SELECT ${BRUTE_SUMS} FROM raw_events WHERE ts >= $1 AND ts < $2`, [
    new Date(2 * from.getTime() - to.getTime()),
    from,
  ]);
  return [current.rows, previous.rows];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const database = await openBenchDatabase('pmd_bench_read', log);
const { pool, close } = createDatabaseClients(database.url);
const server = await (async () => {
  const loadStart = Date.now();
  await load(pool);
  log.info({ seconds: (Date.now() - loadStart) / 1000 }, 'data ready');
  return startServerProcess(database.url);
})();

try {
  const now = Date.now();
  const windows: [string, number][] = [
    ['15 min', 15],
    ['1 h', 60],
    ['24 h', 1440],
    ['7 d', 10080],
  ];
  const results: string[][] = [];
  for (const [label, minutes] of windows) {
    // Explicit from/to so brute force reads exactly the same window; the edges are not minute-aligned on purpose.
    const to = new Date(now - 1_234);
    const from = new Date(to.getTime() - minutes * 60_000);
    for (const kind of Object.keys(QUERIES) as (keyof typeof QUERIES)[]) {
      const request = async () => {
        const response = await fetch(`${server.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: QUERIES[kind],
            variables: { w: { from: from.toISOString(), to: to.toISOString() } },
          }),
        });
        const body = (await response.json()) as { errors?: unknown };
        if (body.errors) throw new Error(JSON.stringify(body.errors));
      };
      for (let i = 0; i < 5; i++) await request();
      const fast: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) fast.push(await timed(request));
      const brute: number[] = [];
      for (let i = 0; i < BRUTE_ITERATIONS; i++) brute.push(await timed(() => bruteForce(pool, kind, from, to)));
      const speedup = quantile(brute, 0.5) / quantile(fast, 0.5);
      results.push([
        kind,
        label,
        ms(quantile(fast, 0.5)),
        ms(quantile(fast, 0.95)),
        ms(quantile(brute, 0.5)),
        `${speedup.toFixed(0)}×`,
      ]);
      log.info(
        { kind, window: label, p50: quantile(fast, 0.5), p95: quantile(fast, 0.95), bruteP50: quantile(brute, 0.5) },
        'measured',
      );
    }
  }
  // The floor: the same HTTP + GraphQL round trip without any database work.
  const baseline: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    baseline.push(
      await timed(async () => {
        const response = await fetch(`${server.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ serverTime }' }),
        });
        await response.json();
      }),
    );
  }
  results.push(['serverTime (no database)', '-', ms(quantile(baseline, 0.5)), ms(quantile(baseline, 0.95)), '-', '-']);
  const header = ['query', 'window', 'p50 ms (HTTP)', 'p95 ms (HTTP)', 'brute force p50 ms (SQL only)', 'speedup p50'];
  console.log(
    `\nbench:read — ${EVENTS.toLocaleString('en')} raw events over 90 days, ${ITERATIONS} requests per cell, server RSS ${(await server.rssMiB()).toFixed(0)} MiB`,
  );
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of results) console.log(`| ${row.join(' | ')} |`);
} finally {
  await server.stop();
  await close();
  await database.stop();
}
