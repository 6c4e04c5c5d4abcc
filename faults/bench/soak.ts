import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabaseClients, createLogger, REPO_ROOT } from '@pmd/db';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { openBenchDatabase } from '../../server/bench/lib/database.ts';
import { startServerProcess, startWorkerProcess } from '../test/testkit/processes.ts';

/**
 * `pnpm bench:soak [--minutes 10] [--rate 2000] [--dashboards 100]`: the whole system for a long while — server and
 * worker as child processes, the generator CLI (its own process) at `rate` events/s, `dashboards` graphql-ws
 * subscribers on liveOverview / liveFunnel — reporting server and worker RSS at start, middle and end (memory must
 * stay flat) and checking that every event the generator produced is stored exactly once.
 */
const { values: options } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    dashboards: { type: 'string', default: '100' },
  },
});
const MINUTES = Number(options.minutes);
const RATE = Number(options.rate);
const DASHBOARDS = Number(options.dashboards);
/** A journey is an impression, sometimes followed by a click, a signup, an activation: ~1.06 events on average. */
const EVENTS_PER_JOURNEY = 1.06;
const SAMPLE_MS = 5_000;
const log = createLogger('bench-soak');

const database = await openBenchDatabase('pmd_bench_soak', log);
const { pool, close } = createDatabaseClients(database.url);
await pool.query(
  `TRUNCATE raw_events, event_ids, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours,
   rollup_dirty_days, alerts, task_runs`,
);
const server = await startServerProcess(database.url);
const worker = await startWorkerProcess(database.url);

const WINDOWS = [5, 15, 60];
const dashboards: { client: Client; updates: number; errors: number; lastTotal: number; windowMinutes: number }[] = [];
for (let i = 0; i < DASHBOARDS; i++) {
  const windowMinutes = WINDOWS[i % WINDOWS.length]!;
  const overview = i % 2 === 0;
  const query = overview
    ? `subscription { liveOverview(window: { lastMinutes: ${windowMinutes} }) { current { impressions clicks signups activations spend } } }`
    : `subscription { liveFunnel(window: { lastMinutes: ${windowMinutes} }) { stages { stage count } } }`;
  const dashboard = {
    client: createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 }),
    updates: 0,
    errors: 0,
    lastTotal: 0,
    windowMinutes,
  };
  dashboard.client.subscribe<any>(
    { query },
    {
      next: (result) => {
        dashboard.updates++;
        if (result.errors) dashboard.errors++;
        const current = result.data?.liveOverview?.current;
        if (current) dashboard.lastTotal = current.impressions + current.clicks + current.signups + current.activations;
      },
      error: () => dashboard.errors++,
      complete: () => {},
    },
  );
  dashboards.push(dashboard);
}

const samples: { at: number; server: number; worker: number }[] = [];
const sample = async () =>
  samples.push({ at: Date.now(), server: await server.rssMiB(), worker: await worker.rssMiB() });
await sample();
const started = Date.now();
const sampler = setInterval(() => void sample(), SAMPLE_MS);

console.log(`soak: ${MINUTES} min at ${RATE} events/s, ${DASHBOARDS} dashboards, server ${server.baseUrl}`);
const generator = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    path.join(REPO_ROOT, 'generator/src/cli.ts'),
    '--url',
    server.baseUrl,
    '--rate',
    String(RATE / EVENTS_PER_JOURNEY),
    '--duration',
    `${MINUTES * 60}s`,
    '--campaigns',
    '20',
    '--seed',
    '2026',
    '--batch-size',
    '250',
    '--flush-interval',
    '500ms',
    '--concurrency',
    '4',
    '--status-interval',
    '30s',
  ],
  {
    cwd: path.join(REPO_ROOT, 'generator'),
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let summary:
  | {
      generated: number;
      resent: number;
      sent: number;
      stored: number;
      duplicates: number;
      rejected: number;
      retries: number;
      seconds: number;
    }
  | undefined;
let buffered = '';
generator.stdout!.on('data', (chunk: Buffer) => {
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    try {
      const entry = JSON.parse(line);
      if (entry.msg === 'summary') summary = entry;
      else if (entry.msg === 'status')
        console.log(
          `  t=${Math.round((Date.now() - started) / 1000)}s generated=${entry.generated} sent=${entry.sent} ev/s=${entry.eventsPerSecond} retries=${entry.retries}`,
        );
    } catch {
      // not a log line
    }
  }
});
const exitCode = await new Promise<number | null>((resolve) => generator.once('exit', resolve));
clearInterval(sampler);
await sample();

const { rows } = await pool.query<{ stored: number; distinct_ids: number }>(
  'SELECT count(*)::int AS stored, count(DISTINCT event_id)::int AS distinct_ids FROM raw_events',
);
const stored = rows[0]!;
// The 60-minute dashboards count every event; give the last push a few seconds to arrive.
const hourDashboards = dashboards.filter((d, i) => i % 2 === 0 && d.windowMinutes === 60);
const deadline = Date.now() + 10_000;
while (Date.now() < deadline && hourDashboards.some((d) => d.lastTotal !== stored.stored))
  await new Promise((r) => setTimeout(r, 200));
const dirtyHours = (await pool.query('SELECT count(*)::int AS n FROM rollup_dirty_hours')).rows[0].n;

const middle = samples.reduce((best, s) =>
  Math.abs(s.at - (started + (MINUTES * 60_000) / 2)) < Math.abs(best.at - (started + (MINUTES * 60_000) / 2))
    ? s
    : best,
);
const first = samples[1] ?? samples[0]!;
const last = samples.at(-1)!;
const mib = (value: number) => `${value.toFixed(0)} MiB`;
const updates = dashboards.map((d) => d.updates);
console.log(`generator: exit ${exitCode}, ${JSON.stringify(summary)}`);
console.log(
  `achieved: ${summary ? (summary.generated / summary.seconds).toFixed(0) : '?'} events/s generated over ${summary?.seconds.toFixed(0)} s`,
);
console.log(
  `server RSS: before load ${mib(samples[0]!.server)}, start ${mib(first.server)}, middle ${mib(middle.server)}, end ${mib(last.server)}, max ${mib(Math.max(...samples.map((s) => s.server)))}`,
);
const series = samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1);
console.log(`server RSS every 30 s: ${series.map((s) => s.server.toFixed(0)).join(' ')} MiB`);
console.log(`worker RSS: start ${mib(first.worker)}, middle ${mib(middle.worker)}, end ${mib(last.worker)}`);
console.log(
  `dashboards: ${DASHBOARDS}, updates per dashboard min ${Math.min(...updates)} / max ${Math.max(...updates)}, errors ${dashboards.reduce((n, d) => n + d.errors, 0)}, 60-min overviews showing every stored event: ${hourDashboards.filter((d) => d.lastTotal === stored.stored).length}/${hourDashboards.length}`,
);
console.log(
  `stored: ${stored.stored} rows, ${stored.distinct_ids} distinct ids; generated ${summary?.generated}; rollup_dirty_hours rows left (drained each minute): ${dirtyHours}`,
);
const lost =
  !summary || stored.stored !== summary.generated || stored.distinct_ids !== stored.stored || summary.rejected > 0;
console.log(
  lost ? 'FAIL: stored events differ from generated events' : 'OK: every generated event stored exactly once',
);

await Promise.all(dashboards.map((d) => d.client.dispose()));
await worker.stop();
await server.stop();
await close();
await database.stop();
process.exit(lost ? 1 : 0);
