import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AlertMetric,
  COUNTER_NAMES,
  COUNTERS,
  createLogger,
  defaultRuleSettings,
  DETECTION_METHODS,
  type DetectionMethod,
  ensureDatabase,
  type KpiSums,
  migrate,
  startEmbeddedCluster,
} from '@pmd/db';
import {
  ORIGINAL_CAMPAIGNS,
  type SimulatedEvent,
  Simulation,
  type SimulationOptions,
} from '../../generator/src/simulation.ts'; // by path: the generator's tests depend on the worker
import pg from 'pg';
import { evaluateAlerts } from '../src/lib/alerts.ts';
import { quantile } from '../../server/bench/lib/stats.ts'; // by path: the benches' one percentile rule
import { createRule, setRules } from '../test/testkit/rules.ts';

/**
 * pnpm bench:alerts [--seeds 10] [--drops 0.3,0.45,0.6] [--weeks 1] [--week-volume 1] [--methods cusum,window]
 *   [--thresholds 10]
 *
 * Replays the generator's simulation (generator/src/simulation.ts: its four original campaigns, Poisson journeys,
 * clicks 0.5–15 s after their impression) on a simulated clock through the worker's real anomaly run
 * (`evaluateAlerts`, the function the anomaly_alerts task calls, with its SQL) against a real PostgreSQL:
 * the simulated events are summed into campaign_metrics_minute rows (what ingest maintains), then the run is called
 * at every simulated minute's tick. Time is compressed: nothing waits for the wall clock.
 *
 * 1. Drops: for each seed, volume (1× = the generator's default 20 journeys/s over four campaigns, 5 impressions/s per
 *    campaign; 10×) and drop size, camp_meta_prospecting (the generator's drop campaign, CTR 2.8 %) runs normally for
 *    PHASE minutes (the only history there is: a rule must work from the start), its CTR drops for PHASE minutes, and
 *    recovers. Reported: the delay from the drop's onset (mid-minute) to the tick that fires, misses (not fired during
 *    the drop), the delay from recovery to the tick that resolves, and alerts fired before the onset (any metric of
 *    that campaign, which is simulated alone at its share of the traffic).
 * 2. Weeks: 7 simulated days of the four campaigns at `--week-volume` (1×) with the daily shape (diurnal) and no
 *    drop; every alert is a false one.
 * The rules are the four seeded defaults (migration 20261202100000_alert_rules, `defaultRuleSettings`), written as
 * rows before each run: `--methods window` sets all four to the 15-minute window method; `--thresholds 8,10,12`
 * compares the cusum rules' significance (evidence in nats) on the same data. About 4 minutes with the defaults on 2 cores (most of it simulating the 10× runs and
 * the week).
 */
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    drops: { type: 'string', default: '0.3,0.45,0.6' },
    weeks: { type: 'string', default: '1' },
    'week-volume': { type: 'string', default: '1' },
    methods: { type: 'string', default: DETECTION_METHODS.join(',') },
    thresholds: { type: 'string', default: String(defaultRuleSettings('ctr_drop').significance) },
  },
});
const SEEDS = Number(values.seeds);
const WEEKS = Number(values.weeks);
const WEEK_VOLUME = Number(values['week-volume']);
const DROPS = values.drops.split(',').map(Number);
const METHODS = values.methods.split(',') as DetectionMethod[];
const THRESHOLDS = values.thresholds.split(',').map(Number);
if (!Number.isInteger(SEEDS) || SEEDS < 1) throw new Error('--seeds must be a positive integer');
if (!Number.isInteger(WEEKS) || WEEKS < 0) throw new Error('--weeks must be a non-negative integer');
if (!(WEEK_VOLUME > 0)) throw new Error('--week-volume must be a positive number');
if (DROPS.some((d) => !(d > 0 && d < 1))) throw new Error('--drops must be fractions between 0 and 1');
if (METHODS.some((m) => !DETECTION_METHODS.includes(m))) throw new Error(`--methods: ${DETECTION_METHODS.join(', ')}`);
if (THRESHOLDS.some((h) => !(h > 0))) throw new Error('--thresholds must be positive numbers');

const log = createLogger('bench');
const MINUTE = 60_000;
const PHASE = 30; // minutes of history, of drop, and at most of recovery
const CAMPAIGN = 'camp_meta_prospecting';
const JOURNEYS_PER_SECOND = 20; // the generator's default (--rate)
const START = Date.parse('2026-11-20T08:00:00Z');

/** The rules the worker ran before rules were data, as seeded by the migration. */
const SEEDED_RULES: AlertMetric[] = ['ctr_drop', 'click_to_signup_drop', 'signup_to_activation_drop', 'cpc_spike'];

/** The rule sets compared: the window method, and cusum at each threshold, each applied to the seeded rules. */
interface Variant {
  name: string;
  apply(client: pg.ClientBase): Promise<unknown>;
}
const VARIANTS: Variant[] = METHODS.flatMap((method): Variant[] =>
  method === 'window'
    ? [
        {
          name: 'window (15 min)',
          apply: (client) =>
            setRules(client, { method: 'window', windowMinutes: 15, significance: 3, minBaselineVolume: 200 }),
        },
      ]
    : THRESHOLDS.map((h) => ({
        name: `cusum h=${h}`,
        apply: (client) => setRules(client, { significance: h }, { method: 'cusum' }),
      })),
);

/** Writes the seeded rules afresh, then the variant's changes (the worker reads the rules at every run). */
async function useRules(client: pg.ClientBase, variant: Variant) {
  await client.query('DELETE FROM alert_rules');
  for (const metric of SEEDED_RULES) await createRule(client, defaultRuleSettings(metric));
  await variant.apply(client);
}

type MinuteRows = Map<string, KpiSums>; // `${campaign}\0${channel}\0${minute}` → sums

const COUNTER_OF_EVENT: Record<string, keyof KpiSums> = {
  AD_IMPRESSION: 'impressions',
  AD_CLICK: 'clicks',
  SIGNUP: 'signups',
  ACTIVATION: 'activations',
};

/** Runs the simulation to `until` and sums its events per campaign, channel and minute, as ingest would. */
function simulate(options: SimulationOptions, until: number, onProgress?: (share: number) => void): MinuteRows {
  const simulation = new Simulation(options);
  const rows: MinuteRows = new Map();
  const add = (event: SimulatedEvent) => {
    const minute = Math.floor(event.ts.getTime() / MINUTE) * MINUTE;
    const key = `${event.campaignId}\u0000${event.channel}\u0000${minute}`;
    let sums = rows.get(key);
    if (!sums) {
      sums = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as KpiSums;
      rows.set(key, sums);
    }
    sums[COUNTER_OF_EVENT[event.eventType]!] += 1;
    if (event.eventType === 'AD_CLICK') sums.clickCost += event.cost;
    sums.spend += event.cost;
  };
  const from = options.start.getTime();
  for (let t = from + MINUTE; t <= until; t += MINUTE) {
    for (const event of simulation.advanceTo(new Date(t))) add(event);
    if (onProgress && (t - from) % (6 * 60 * MINUTE) === 0) onProgress((t - from) / (until - from));
  }
  return rows;
}

async function load(client: pg.ClientBase, rows: MinuteRows) {
  await client.query('TRUNCATE campaign_metrics_minute, alerts CASCADE');
  const entries = [...rows.entries()];
  const columns = COUNTER_NAMES.map((n) => COUNTERS[n].column);
  for (let i = 0; i < entries.length; i += 10_000) {
    const chunk = entries.slice(i, i + 10_000).map(([key, sums]) => ({ key: key.split('\u0000'), sums }));
    await client.query(
      `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, ${columns.join(', ')})
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], ${columns.map((_, c) => `$${c + 4}::numeric[]`).join(', ')})`,
      [
        chunk.map((r) => r.key[0]),
        chunk.map((r) => r.key[1]),
        chunk.map((r) => new Date(Number(r.key[2]))),
        ...COUNTER_NAMES.map((n) => chunk.map((r) => r.sums[n])),
      ],
    );
  }
}

interface AlertRow {
  campaign_id: string;
  metric: string;
  triggered_at: Date;
  resolved_at: Date | null;
}
const alerts = async (client: pg.ClientBase) =>
  (await client.query<AlertRow>('SELECT campaign_id, metric, triggered_at, resolved_at FROM alerts')).rows;

interface DropRun {
  /** Minutes from onset to the firing tick; null = missed. */
  detect: number | null;
  /** Minutes from recovery to the resolving tick; null = still open after PHASE minutes (or never fired). */
  resolve: number | null;
  /** Alerts fired before the onset (false). */
  early: number;
}

async function dropRun(client: pg.ClientBase, variant: Variant, onset: number): Promise<DropRun> {
  await useRules(client, variant);
  await client.query('TRUNCATE alerts CASCADE');
  const firstTick = Math.floor(START / MINUTE) * MINUTE + MINUTE;
  for (let tick = firstTick; tick <= onset; tick += MINUTE) await evaluateAlerts(client, new Date(tick), 'UTC');
  const early = (await alerts(client)).length;
  await client.query('TRUNCATE alerts CASCADE');
  const ours = async () => (await alerts(client)).find((a) => a.campaign_id === CAMPAIGN && a.metric === 'ctr_drop');
  const recovery = onset + PHASE * MINUTE;
  let detect: number | null = null;
  for (let tick = Math.ceil(onset / MINUTE) * MINUTE; tick <= recovery && detect === null; tick += MINUTE) {
    await evaluateAlerts(client, new Date(tick), 'UTC');
    const alert = await ours();
    if (alert) detect = (tick - onset) / MINUTE;
  }
  if (detect === null) return { detect, resolve: null, early };
  let resolve: number | null = null;
  // The run is stateless, so the ticks while the drop lasts change nothing but refreshed values: skip to recovery.
  for (let tick = Math.ceil(recovery / MINUTE) * MINUTE; tick <= recovery + PHASE * MINUTE; tick += MINUTE) {
    await evaluateAlerts(client, new Date(tick), 'UTC');
    const alert = await ours();
    if (alert?.resolved_at) {
      resolve = (tick - recovery) / MINUTE;
      break;
    }
  }
  return { detect, resolve, early };
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'miss');
/** Percentiles over every run, a miss counting as infinitely late (so a p95 with >5 % misses says "miss"). */
function delays(values: (number | null)[]) {
  const late = values.map((v) => v ?? Infinity);
  return { p50: fmt(quantile(late, 0.5)), p95: fmt(quantile(late, 0.95)), max: fmt(quantile(late, 1)) };
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
const url = await ensureDatabase(cluster.adminUrl, 'pmd_bench_alerts');
await migrate(url, log);
const client = new pg.Client({ connectionString: url });
await client.connect();
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

try {
  const results: { variant: Variant; volume: number; drop: number; runs: DropRun[] }[] = [];
  for (const volume of [1, 10]) {
    for (const drop of DROPS) {
      const runs = new Map<Variant, DropRun[]>(VARIANTS.map((v) => [v, []]));
      for (let seed = 1; seed <= SEEDS; seed++) {
        // A start off the minute grid puts the onset mid-minute, as a real one would be.
        const start = START + ((seed * 7919) % 60) * 1000;
        const rows = simulate(
          {
            seed,
            start: new Date(start),
            stopAt: new Date(start + 3 * PHASE * MINUTE),
            // The campaign alone at its share of the generator's rate: the same Poisson stream for it (a campaign
            // of a Poisson process picked at random is a Poisson process), at a quarter of the cost to simulate.
            journeysPerSecond: (JOURNEYS_PER_SECOND / ORIGINAL_CAMPAIGNS.length) * volume,
            campaigns: ORIGINAL_CAMPAIGNS.filter((c) => c.campaignId === CAMPAIGN),
            users: 2000,
            ctrDrop: { campaignId: CAMPAIGN, ctrFactor: 1 - drop, clickToSignupFactor: 1, phaseMs: PHASE * MINUTE },
          },
          start + 3 * PHASE * MINUTE + 15 * MINUTE,
        );
        await load(client, rows);
        for (const variant of VARIANTS) runs.get(variant)!.push(await dropRun(client, variant, start + PHASE * MINUTE));
      }
      for (const variant of VARIANTS) results.push({ variant, volume, drop, runs: runs.get(variant)! });
      console.error(`[${elapsed()}] drops: ${volume}× volume, ${drop * 100}% drop, ${SEEDS} seeds done`);
    }
  }

  const weekly = new Map<Variant, { alerts: number; byMetric: Record<string, number> }>(
    VARIANTS.map((v) => [v, { alerts: 0, byMetric: {} }]),
  );
  for (let week = 1; week <= WEEKS; week++) {
    const seed = 1000 + week;
    const rows = simulate(
      {
        seed,
        start: new Date(START),
        stopAt: new Date(START + 7 * 24 * 60 * MINUTE),
        journeysPerSecond: JOURNEYS_PER_SECOND * WEEK_VOLUME,
        campaigns: ORIGINAL_CAMPAIGNS,
        users: 2000,
        diurnal: true,
      },
      START + 7 * 24 * 60 * MINUTE,
      (share) => process.stderr.write(`\r[${elapsed()}] week ${week}: simulating ${(share * 100).toFixed(0)}%   `),
    );
    await load(client, rows);
    for (const variant of VARIANTS) {
      await useRules(client, variant);
      await client.query('TRUNCATE alerts CASCADE');
      for (let minute = 1; minute <= 7 * 24 * 60; minute++) {
        await evaluateAlerts(client, new Date(START + minute * MINUTE), 'UTC');
        if (minute % 360 === 0) {
          process.stderr.write(
            `\r[${elapsed()}] week ${week}, ${variant.name}: day ${(minute / 1440).toFixed(2)} of 7   `,
          );
        }
      }
      const fired = await alerts(client);
      const total = weekly.get(variant)!;
      total.alerts += fired.length;
      for (const a of fired) total.byMetric[a.metric] = (total.byMetric[a.metric] ?? 0) + 1;
    }
    process.stderr.write('\n');
  }

  console.log(
    `\nDetection of a CTR drop on ${CAMPAIGN} (CTR 2.8 %; 1× = 5 impressions/s per campaign), ${SEEDS} seeds each;` +
      `\ndelays in simulated minutes from the onset (mid-minute) to the firing tick, and from recovery to the resolving tick:\n`,
  );
  console.log(
    '| method | volume | drop | detect p50 | detect p95 | detect max | misses | resolve p50 | resolve p95 | unresolved | false before onset |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { variant, volume, drop, runs } of results) {
    const detect = delays(runs.map((r) => r.detect));
    const fired = runs.filter((r) => r.detect !== null);
    const resolve = delays(fired.map((r) => r.resolve));
    console.log(
      `| ${variant.name} | ${volume}× | ${drop * 100}% | ${detect.p50} | ${detect.p95} | ${detect.max} | ${runs.length - fired.length} | ${resolve.p50} | ${resolve.p95} | ${fired.filter((r) => r.resolve === null).length} | ${runs.reduce((s, r) => s + r.early, 0)} |`,
    );
  }
  if (WEEKS > 0) {
    const campaignWeeks = WEEKS * ORIGINAL_CAMPAIGNS.length;
    console.log(
      `\nFalse alerts over ${WEEKS} × 7 simulated days at ${WEEK_VOLUME}× with the daily shape, no drop (${campaignWeeks} campaign-weeks):\n`,
    );
    console.log('| method | alerts | per campaign-week | by metric |');
    console.log('| --- | --- | --- | --- |');
    for (const [variant, total] of weekly) {
      console.log(
        `| ${variant.name} | ${total.alerts} | ${(total.alerts / campaignWeeks).toFixed(2)} | ${JSON.stringify(total.byMetric)} |`,
      );
    }
  }
  console.log(`\n(${elapsed()} in all)`);
} finally {
  await client.end();
  await cluster.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
