import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, ensureDatabase, indexClosedDays, migrate, startEmbeddedCluster } from '@pmd/db';
import pg from 'pg';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { backfillDays } from '../src/lib/backfill.ts';
import { drainDaily, drainHourly } from '../src/lib/rollup.ts';
import { storeTestEvents, type EventTypeName, type TestEvent } from '@pmd/testkit';

/**
 * pnpm bench:aggregate [--events 10000000] [--incremental 100000] [--campaigns 1000]
 *
 * On a throwaway embedded PostgreSQL (or DATABASE_URL's server, in a new database): loads raw events with
 * generate_series over 7 UTC days for 50 campaign+channel keys, then times
 *   1. the full rebuild (backfill of the 7 days: minute, hourly, daily rows from raw_events),
 *   2. an incremental run (metrics_hourly + metrics_daily) after `--incremental` new events over the last 6 hours,
 *      ingested with the ingest SQL (minute rows + dirty queue), and
 *   3. one anomaly evaluation (the four seeded default rules) over `--campaigns` extra campaigns with 24 h 15 min of
 *      minute rows.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    incremental: { type: 'string', default: '100000' },
    campaigns: { type: 'string', default: '1000' },
  },
});
const EVENTS = Number(values.events);
const INCREMENTAL = Number(values.incremental);
const CAMPAIGNS = Number(values.campaigns);
for (const [flag, value] of Object.entries({ events: EVENTS, incremental: INCREMENTAL, campaigns: CAMPAIGNS })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a positive integer`);
}

const log = createLogger('bench');
const START = new Date('2026-11-18T00:00:00Z');
const DAYS = Array.from({ length: 7 }, (_, i) => new Date(START.getTime() + i * 86_400_000));
const END = new Date(START.getTime() + 7 * 86_400_000);
const KEYS = 50;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label.padEnd(58)} ${seconds(performance.now() - started)}`);
  return result;
}

let dataDir: string | undefined;
let cluster: { adminUrl: string; stop(): Promise<void> };
if (process.env.DATABASE_URL) {
  cluster = { adminUrl: process.env.DATABASE_URL, stop: async () => {} };
} else {
  const base = await mkdtemp(path.join(tmpdir(), 'pmd-bench-'));
  await chmod(base, 0o755); // the `postgres` OS user must be able to enter it
  dataDir = base;
  cluster = await startEmbeddedCluster({ dataDir: path.join(base, 'data'), persistent: false, log });
}
const url = await ensureDatabase(cluster.adminUrl, `pmd_bench_${Date.now().toString(36)}`);
await migrate(url, log);
const client = new pg.Client({ connectionString: url });
const second = new pg.Client({ connectionString: url });
await Promise.all([client.connect(), second.connect()]);

try {
  console.log(`aggregate benchmark: ${EVENTS.toLocaleString('en')} raw events, ${KEYS} campaign+channel keys, 7 days`);
  await timed(`load ${EVENTS.toLocaleString('en')} raw events (generate_series)`, async () => {
    // The days' partitions first (else every row lands in the default partition); they are created without the
    // campaign index, which is built once after the load, as the worker does when a day closes.
    await client.query('SELECT raw_events_create_partition(day) FROM unnest($1::date[]) AS day', [DAYS]);
    // Events in time order (as they arrive) over the 7 days. Funnel mix per 1,000 events: 900 impressions, 60 clicks,
    // 30 signups, 10 activations; clicks cost 0.20–1.19.
    const chunk = 1_000_000;
    for (let first = 1; first <= EVENTS; first += chunk) {
      await client.query(
        `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
         SELECT 'b' || g, $3::timestamptz + (g - 1) * ($4::float8 / $5) * interval '1 millisecond',
           'user_' || (g % 2000), 'camp_' || (g % ${KEYS}), (ARRAY['google', 'meta', 'tiktok', 'email'])[1 + (g % ${KEYS}) % 4],
           CASE WHEN g % 1000 < 900 THEN 'ad_impression' WHEN g % 1000 < 960 THEN 'ad_click'
                WHEN g % 1000 < 990 THEN 'signup' ELSE 'activation' END,
           CASE WHEN g % 1000 >= 900 AND g % 1000 < 960 THEN 0.2 + (g % 100) / 100.0 ELSE 0 END
         FROM generate_series($1::bigint, $2::bigint) g`,
        [first, Math.min(EVENTS, first + chunk - 1), START, END.getTime() - START.getTime(), EVENTS],
      );
    }
    // At the end of the week, as the worker would leave it: its last day, still open, without the index.
    await indexClosedDays(client, END);
    await client.query('ANALYZE raw_events');
  });

  const full = await timed('full rebuild (backfill 7 days, 2 connections)', () => backfillDays([client, second], DAYS));
  console.log(
    `  ${full.minuteRows.toLocaleString('en')} minute rows, ${full.hourlyChanged.toLocaleString('en')} hourly, ${full.dailyChanged} daily`,
  );
  await client.query('ANALYZE');

  // 100 k new events over the last 6 hours, ingested in 1,000-event batches like the API does.
  const recent = END.getTime() - 6 * 3_600_000;
  await timed(`ingest ${INCREMENTAL.toLocaleString('en')} new events (batches of 1,000)`, async () => {
    for (let first = 0; first < INCREMENTAL; first += 1000) {
      const batch = Array.from({ length: Math.min(1000, INCREMENTAL - first) }, (_, i): TestEvent => {
        const n = first + i;
        const type: EventTypeName = n % 20 === 0 ? 'ad_click' : n % 97 === 0 ? 'signup' : 'ad_impression';
        return {
          event_id: `inc-${n}`,
          ts: new Date(recent + ((n * 7919) % (6 * 3_600_000))).toISOString(),
          user_id: `user_${n % 2000}`,
          campaign_id: `camp_${n % KEYS}`,
          channel: ['google', 'meta', 'tiktok', 'email'][(n % KEYS) % 4]!,
          event_type: type,
          cost: type === 'ad_click' ? 0.75 : 0,
        };
      });
      await storeTestEvents(client, batch);
    }
  });
  const queued = (await client.query('SELECT count(*)::int AS n FROM rollup_dirty_hours')).rows[0].n;
  const hourly = await timed(`incremental metrics_hourly (${queued.toLocaleString('en')} queue rows)`, () =>
    drainHourly(client),
  );
  const daily = await timed('incremental metrics_daily', () => drainDaily(client));
  console.log(
    `  hourly: ${hourly.recomputed} buckets recomputed, ${hourly.changed} changed; daily: ${daily.changed} changed`,
  );

  // Anomaly evaluation over CAMPAIGNS more campaigns: 24 h 15 min of minute rows each (2 % with a 45 % CTR drop).
  const tick = END;
  await timed(`load minute rows for ${CAMPAIGNS.toLocaleString('en')} campaigns × 1,455 minutes`, async () => {
    await client.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost)
       SELECT 'anomaly_' || c, 'google', m, 100,
         CASE WHEN c % 50 = 0 AND m >= $1::timestamptz - interval '15 minutes' THEN 2 ELSE 3 + (m_i % 2) END,
         1, 0, 2.4, 2.4
       FROM generate_series(1, $2::int) c,
            generate_series($1::timestamptz - interval '1455 minutes', $1::timestamptz - interval '1 minute', interval '1 minute')
              WITH ORDINALITY AS mm(m, m_i)`,
      [tick, CAMPAIGNS],
    );
    await client.query('ANALYZE campaign_metrics_minute');
  });
  const alerts = await timed(`anomaly evaluation (${CAMPAIGNS.toLocaleString('en')} campaigns + ${KEYS} keys)`, () =>
    evaluateAlerts(client, tick, 'UTC'),
  );
  console.log(
    `  ${alerts.rules} rules, ${alerts.judged} rule × campaign+channel pairs judged, ${alerts.fired} alerts fired`,
  );
  console.log('targets: full rebuild ≤ 15 s, incremental ≤ 1 s (2 shared CPU cores, loaded by other engineers)');
} finally {
  await Promise.all([client.end(), second.end()]);
  if (dataDir) {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
