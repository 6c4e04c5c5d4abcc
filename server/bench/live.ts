import { parseArgs } from 'node:util';
import { createDatabaseClients, createLogger } from '@pmd/db';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createRandom, ingestLike, randomEvents } from '../test/testkit/seed.ts';
import { openBenchDatabase } from './lib/database.ts';
import { startServerProcess } from './lib/server-process.ts';
import { ms, quantile } from './lib/stats.ts';

/**
 * `pnpm bench:live [--subscribers 500] [--rate 5000] [--seconds 15]`: websocket subscribers on liveOverview while
 * batches are ingested (with their NOTIFY) at `rate` events/s; reports batch commit → delivery latency and server RSS.
 */
const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '500' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '15' },
  },
});
const SUBSCRIBERS = Number(options.subscribers);
const RATE = Number(options.rate);
const SECONDS = Number(options.seconds);
const BATCHES_PER_SECOND = 10;
const log = createLogger('bench-live');

const database = await openBenchDatabase('pmd_bench_live', log);
const { pool, close } = createDatabaseClients(database.url);
await pool.query(
  'TRUNCATE raw_events, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
);
const server = await startServerProcess(database.url);

/** Total events a delivered overview counts → when it was received, per subscriber. */
const receipts: { total: number; at: number }[] = [];
const clients: Client[] = [];
const QUERY = `subscription { liveOverview(window: { lastMinutes: 60 }) {
  current { impressions clicks signups activations ctr spend cpc } previous { impressions } change { impressions } } }`;

try {
  let ready = 0;
  const allReady = new Promise<void>((resolve) => {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      let first = true;
      client.subscribe<{ liveOverview: { current: Record<string, number> } }>(
        { query: QUERY },
        {
          next: ({ data }) => {
            const at = Date.now();
            if (first) {
              first = false;
              if (++ready === SUBSCRIBERS) resolve();
              return;
            }
            const c = data!.liveOverview.current;
            receipts.push({ total: c.impressions! + c.clicks! + c.signups! + c.activations!, at });
          },
          error: (error) => log.error({ err: error }, 'subscription failed'),
          complete: () => {},
        },
      );
    }
  });
  await allReady;
  log.info({ subscribers: SUBSCRIBERS }, 'all subscribers have their first value; ingesting');

  const random = createRandom(1);
  const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
  const commits = new Map<number, number>();
  let cumulative = 0;
  const start = Date.now();
  const rssSamples: number[] = [];
  for (let batch = 0; batch < SECONDS * BATCHES_PER_SECOND; batch++) {
    const due = start + (batch * 1000) / BATCHES_PER_SECOND;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const now = Date.now();
    cumulative += await ingestLike(pool, randomEvents(random, perBatch, new Date(now - 2_000), new Date(now)), {
      notify: true,
    });
    commits.set(cumulative, Date.now());
    if (batch % BATCHES_PER_SECOND === 0) rssSamples.push(await server.rssMiB());
  }
  const elapsed = (Date.now() - start) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  // A delivered total equals the cumulative count after the newest batch it includes: its latency is from that commit.
  const latencies = receipts.flatMap(({ total, at }) => (commits.has(total) ? [at - commits.get(total)!] : []));
  const unmatched = receipts.length - latencies.length;
  const finalSeen = receipts.filter((r) => r.total === cumulative).length;
  console.log(
    `\nbench:live — ${SUBSCRIBERS} websocket subscribers on liveOverview(lastMinutes: 60), ${cumulative.toLocaleString('en')} events ingested in ${elapsed.toFixed(1)} s (${Math.round(cumulative / elapsed)} events/s, ${perBatch}-event batches, each with its NOTIFY)`,
  );
  console.log(`| metric | value |\n|---|---|`);
  console.log(
    `| deliveries after the first value | ${receipts.length} (${(receipts.length / SUBSCRIBERS).toFixed(1)} per subscriber, ≤ 1/s each) |`,
  );
  console.log(`| batch commit → delivery p50 | ${ms(quantile(latencies, 0.5))} ms |`);
  console.log(`| batch commit → delivery p95 | ${ms(quantile(latencies, 0.95))} ms |`);
  console.log(`| batch commit → delivery max | ${ms(quantile(latencies, 1))} ms |`);
  console.log(`| subscribers that received the final total | ${finalSeen} of ${SUBSCRIBERS} |`);
  console.log(`| deliveries not matching a batch boundary | ${unmatched} |`);
  console.log(
    `| server RSS during ingest (max) / after | ${Math.max(...rssSamples).toFixed(0)} MiB / ${(await server.rssMiB()).toFixed(0)} MiB |`,
  );
} finally {
  await Promise.all(clients.map((client) => client.dispose()));
  await server.stop();
  await close();
  await database.stop();
}
