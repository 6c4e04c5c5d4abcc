import { parseArgs } from 'node:util';
import { createDatabaseClients, createLogger } from '@pmd/db';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { graphqlEvent, randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import { rollUp } from '../test/testkit/rollup.ts';
import { openBenchDatabase } from './lib/database.ts';
import { startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { ms, quantile } from './lib/stats.ts';

/**
 * `pnpm bench:live [--subscribers 500] [--rate 5000] [--seconds 15]`: websocket subscribers on liveOverview while
 * batches are ingested (with their NOTIFY) at `rate` events/s; reports batch commit → delivery latency and server RSS.
 *
 * `pnpm bench:live --views 2000 [--connections 100] [--rate 250] [--seconds 60]`: fair sharing instead. `views`
 * liveOverview subscriptions with distinct windows (lastMinutes 15, 16, …) spread over `connections` websockets,
 * while the server itself ingests `rate` events/s (GraphQL ingestEvents) and `/health` is polled; reports /health and
 * ingest batch latency, refused subscriptions and server RSS. Limits come from the environment (LIVE_MAX_VIEWS, …).
 */
const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '500' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    views: { type: 'string' },
    connections: { type: 'string', default: '100' },
  },
});
const SUBSCRIBERS = Number(options.subscribers);
const VIEWS = options.views === undefined ? undefined : Number(options.views);
const RATE = Number(options.rate ?? (VIEWS ? 250 : 5000));
const SECONDS = Number(options.seconds ?? (VIEWS ? 60 : 15));
const BATCHES_PER_SECOND = 10;
const log = createLogger('bench-live');

const database = await openBenchDatabase('pmd_bench_live', log);
const { pool, close } = createDatabaseClients(database.url);
await pool.query(
  'TRUNCATE raw_events, event_ids, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
);
if (VIEWS) {
  try {
    await fairSharing(VIEWS, Number(options.connections));
  } finally {
    await close();
    await database.stop();
  }
  process.exit(0);
}
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

  const random = seededRandom(1);
  const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
  const commits = new Map<number, number>();
  let cumulative = 0;
  const start = Date.now();
  const rssSamples: number[] = [];
  for (let batch = 0; batch < SECONDS * BATCHES_PER_SECOND; batch++) {
    const due = start + (batch * 1000) / BATCHES_PER_SECOND;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const now = Date.now();
    cumulative += await storeTestEvents(
      pool,
      randomEvents(random, perBatch, { from: new Date(now - 2_000), to: new Date(now) }),
      {
        notify: true,
      },
    );
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

/** The `--views` run: many distinct live views against ingest and /health on the same server. */
async function fairSharing(views: number, connections: number): Promise<void> {
  // A day and a half of history (so windows up to 2,014 minutes read real rows), its closed hours rolled up as the
  // worker would; the current hour stays on minute rows.
  const random = seededRandom(2);
  const now = Date.now();
  await storeTestEvents(
    pool,
    randomEvents(random, 150_000, { from: new Date(now - 36 * 3_600_000), to: new Date(now - 60_000) }),
  );
  await rollUp(pool, { before: new Date(Math.floor(now / 3_600_000) * 3_600_000), days: true });
  const server = await startServerProcess(database.url);
  const clients: Client[] = [];
  const limitRefusals = new Map<string, number>();
  let otherErrors = 0;
  let firstValues = 0;
  let deliveries = 0;
  try {
    let settled = 0;
    let allSettled!: () => void;
    const settledAll = new Promise<void>((resolve) => (allSettled = resolve));
    const settle = () => {
      if (++settled === views) allSettled();
    };
    for (let c = 0; c < connections; c++) {
      clients.push(createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 }));
    }
    for (let i = 0; i < views; i++) {
      let first = true;
      clients[i % connections]!.subscribe(
        {
          query: `subscription { liveOverview(window: { lastMinutes: ${15 + i} }) { current { impressions clicks } } }`,
        },
        {
          next: ({ errors }) => {
            if (errors?.length) {
              const extensions = errors[0]!.extensions as { code?: string; limit?: string } | undefined;
              if (extensions?.code === 'LIVE_VIEW_LIMIT') {
                limitRefusals.set(extensions.limit!, (limitRefusals.get(extensions.limit!) ?? 0) + 1);
              } else otherErrors++;
              if (first) settle();
              first = false;
              return;
            }
            if (first) {
              first = false;
              firstValues++;
              settle();
            } else deliveries++;
          },
          error: () => {
            otherErrors++;
            if (first) settle();
            first = false;
          },
          complete: () => {},
        },
      );
    }
    const subscribeStart = Date.now();
    // The unfair server may never get every view its first value: go on after a minute regardless.
    await Promise.race([settledAll, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    const subscribeSeconds = (Date.now() - subscribeStart) / 1000;
    log.info({ firstValues, refused: [...limitRefusals], otherErrors }, 'subscribed; ingesting');

    const result = await loadUnderViews(server);
    const refused = [...limitRefusals].map(([limit, n]) => `${n} (${limit})`).join(', ') || '0';
    console.log(
      `\nbench:live --views — ${views} liveOverview subscriptions with distinct windows over ${connections} websockets, ` +
        `${RATE} events/s through GraphQL ingestEvents (${BATCHES_PER_SECOND} batches/s) for ${SECONDS} s, /health every 200 ms`,
    );
    console.log(`| metric | value |\n|---|---|`);
    console.log(
      `| subscriptions with a first value / refused / other errors | ${firstValues} / ${refused} / ${otherErrors} |`,
    );
    console.log(
      `| time until every subscription had its first value or refusal | ${subscribeSeconds.toFixed(1)} s${settled < views ? ` (gave up: ${views - settled} still waiting)` : ''} |`,
    );
    console.log(
      `| /health p50 / p95 / max | ${ms(quantile(result.health, 0.5))} / ${ms(quantile(result.health, 0.95))} / ${ms(quantile(result.health, 1))} ms (${result.health.length} probes, ${result.healthFailures} failed) |`,
    );
    console.log(
      `| ingest batch p50 / p95 / max | ${ms(quantile(result.batches, 0.5))} / ${ms(quantile(result.batches, 0.95))} / ${ms(quantile(result.batches, 1))} ms (${result.batches.length} batches, ${result.batchFailures} failed) |`,
    );
    console.log(`| events stored / sent | ${result.stored} / ${result.sent} |`);
    console.log(`| live deliveries during ingest | ${deliveries} |`);
    console.log(`| server RSS during ingest (max) | ${Math.max(...result.rss).toFixed(0)} MiB |`);
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await server.stop();
  }
}

/** Ingest batches on a fixed schedule (not waiting for each other) and /health probes, for SECONDS. */
async function loadUnderViews(server: ServerProcess) {
  const random = seededRandom(3);
  const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
  const mutation =
    'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { ... on IngestResult { stored } } }';
  const batches: number[] = [];
  const health: number[] = [];
  const rss: number[] = [];
  let batchFailures = 0;
  let healthFailures = 0;
  let stored = 0;
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  const start = Date.now();
  const end = start + SECONDS * 1000;

  // Probes go out on schedule, not one after the other, so a stall shows in every probe it delays.
  const probes: Promise<void>[] = [];
  const probing = (async () => {
    for (let due = start; due < end; due += 200) {
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      probes.push(
        (async () => {
          const t0 = performance.now();
          try {
            const response = await fetch(`${server.baseUrl}/health`, { signal: AbortSignal.timeout(60_000) });
            await response.text();
            if (!response.ok) healthFailures++;
          } catch {
            healthFailures++;
          }
          health.push(performance.now() - t0);
        })(),
      );
      if (probes.length % 5 === 0) rss.push(await server.rssMiB());
    }
    await Promise.all(probes);
  })();

  for (let batch = 0; start + (batch * 1000) / BATCHES_PER_SECOND < end; batch++) {
    const due = start + (batch * 1000) / BATCHES_PER_SECOND;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const at = Date.now();
    const events = randomEvents(random, perBatch, { from: new Date(at - 2_000), to: new Date(at) }).map(graphqlEvent);
    sent += events.length;
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        try {
          const response = await fetch(`${server.baseUrl}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: mutation, variables: { events } }),
            signal: AbortSignal.timeout(60_000),
          });
          const body = (await response.json()) as { data?: { ingestEvents?: { stored?: number } } };
          const n = body.data?.ingestEvents?.stored;
          if (n === undefined) {
            if (!batchFailures++) log.warn({ status: response.status, body }, 'an ingest batch failed');
          } else stored += n;
        } catch {
          batchFailures++;
        }
        batches.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all([probing, ...inFlight]);
  return { batches, health, rss, batchFailures, healthFailures, stored, sent };
}
