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
 * `pnpm bench:live --views 2000 [--subscribers 10000] [--connections 250] [--rate 5000] [--seconds 30]`: distinct
 * views instead (windows and filters; see `viewQuery`), `subscribers` subscriptions over them (default 5 per view)
 * on `connections` websockets, while the server itself ingests `rate` events/s (GraphQL ingestEvents) and `/health` is
 * polled, first without subscribers (the baseline), then with them; reports ingest rate, /health latency, commit →
 * delivery latency (probe views) and server RSS. Limits come from the environment (LIVE_MAX_VIEWS, …).
 */
const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    views: { type: 'string' },
    connections: { type: 'string', default: '250' },
  },
});
const VIEWS = options.views === undefined ? undefined : Number(options.views);
const SUBSCRIBERS = Number(options.subscribers ?? (VIEWS ? 5 * VIEWS : 500));
const RATE = Number(options.rate ?? 5000);
const SECONDS = Number(options.seconds ?? (VIEWS ? 30 : 15));
const BATCHES_PER_SECOND = 10;
const log = createLogger('bench-live');

const PROBE = { campaign_id: 'camp_bench_probe', channel: 'google' } as const;
const ZONES = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
const FILTERS = [
  null,
  { campaignIds: ['camp_google_brand'] },
  { campaignIds: ['camp_meta_prospecting', 'camp_tiktok_creative'] },
  { channels: ['meta'] },
  { channels: ['google', 'email'] },
  { campaignIds: ['camp_google_brand'], channels: ['meta'] },
  { campaignIds: ['camp_meta_prospecting'], channels: ['instagram', 'meta'] },
  { campaignIds: ['camp_email_reactivation', 'camp_google_brand'] },
];
const KINDS = ['overview', 'funnel', 'campaigns', 'channels'] as const;
const PROBE_VIEWS = 100;

const database = await openBenchDatabase('pmd_bench_live', log);
const { pool, close } = createDatabaseClients(database.url);
await pool.query(
  'TRUNCATE raw_events, event_ids, campaign_metrics_minute, campaign_metrics_hourly, campaign_metrics_daily, rollup_dirty_hours, rollup_dirty_days',
);
// The server process takes its limits from this environment: room for every subscriber and view unless told otherwise.
process.env.LIVE_MAX_SUBSCRIPTIONS ??= String(SUBSCRIBERS);
if (VIEWS) {
  process.env.LIVE_MAX_VIEWS ??= String(VIEWS);
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

/**
 * View `i` of `views`, all distinct: the last PROBE_VIEWS count only the probe campaign (one impression per ingest
 * batch, so a delivered count names the newest batch it includes); 160 are `TODAY` in five zones; the rest slide
 * (lastMinutes 5 … 1,400) over 4 kinds × 8 filters.
 */
function viewQuery(i: number, views: number): { query: string; probe: boolean } {
  if (i >= views - PROBE_VIEWS) {
    const window = `{ lastMinutes: ${60 + (views - 1 - i)} }`;
    return {
      query: `subscription { liveOverview(window: ${window}, filter: { campaignIds: ["${PROBE.campaign_id}"] }) { current { impressions } } }`,
      probe: true,
    };
  }
  const kind = KINDS[i % KINDS.length]!;
  const filter = FILTERS[Math.floor(i / KINDS.length) % FILTERS.length];
  const combo = KINDS.length * FILTERS.length;
  const window =
    i < combo * ZONES.length
      ? `{ period: TODAY, timeZone: "${ZONES[Math.floor(i / combo)]}" }`
      : `{ lastMinutes: ${5 + Math.floor((i - combo * ZONES.length) / combo) * 23} }`;
  const args = `window: ${window}${filter ? `, filter: ${JSON.stringify(filter).replace(/"(\w+)":/g, '$1:')}` : ''}`;
  const query = {
    overview: `liveOverview(${args}) { current { impressions clicks spend } change { impressions } }`,
    funnel: `liveFunnel(${args}) { stages { stage count } }`,
    campaigns: `liveBreakdown(${args}, by: CAMPAIGN) { rows { campaignId totals { clicks } status } }`,
    channels: `liveBreakdown(${args}, by: CHANNEL) { rows { channel totals { clicks } status } }`,
  }[kind];
  return { query: `subscription { ${query} }`, probe: false };
}

/**
 * The `--views` run: `views` distinct live views (windows AND filters), `subscribers` subscriptions over them on
 * `connections` websockets, while the server ingests RATE events/s (GraphQL ingestEvents) and `/health` is polled;
 * first a phase of the same load without subscribers, as the baseline of the ingest rate.
 */
async function fairSharing(views: number, connections: number): Promise<void> {
  // A day and a half of history (so long windows and earlier parts of TODAY read real rows), its closed hours rolled
  // up as the worker would; the current hour stays on minute rows.
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
  /** Probe views' deliveries: which subscription, the probe count it shows (= batches committed), when it arrived. */
  const probeReceipts: { subscription: number; count: number; at: number }[] = [];
  try {
    const baseline = await loadUnderViews(server, 3);
    log.info({ stored: baseline.stored, rate: baseline.rate }, 'baseline without subscribers done; subscribing');
    const probesBefore = baseline.sentBatches;

    let settled = 0;
    let allSettled!: () => void;
    const settledAll = new Promise<void>((resolve) => (allSettled = resolve));
    const settle = () => {
      if (++settled === SUBSCRIBERS) allSettled();
    };
    for (let c = 0; c < connections; c++) {
      clients.push(createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 }));
    }
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const { query, probe } = viewQuery(s % views, views);
      let first = true;
      clients[s % connections]!.subscribe<any>(
        { query },
        {
          next: ({ data, errors }) => {
            const at = Date.now();
            if (errors?.length) {
              const extensions = errors[0]!.extensions as { code?: string; limit?: string } | undefined;
              if (extensions?.code === 'LIVE_VIEW_LIMIT') {
                limitRefusals.set(extensions.limit!, (limitRefusals.get(extensions.limit!) ?? 0) + 1);
              } else if (!otherErrors++) log.warn({ errors, query }, 'a subscription failed');
              if (first) settle();
              first = false;
              return;
            }
            if (first) {
              first = false;
              firstValues++;
              settle();
              return;
            }
            deliveries++;
            if (probe) {
              probeReceipts.push({ subscription: s, count: data.liveOverview.current.impressions - probesBefore, at });
            }
          },
          error: (error) => {
            // A closed socket fails with its CloseEvent (code and reason say why), not an Error.
            const { code, reason } = error as { code?: number; reason?: string };
            if (!otherErrors++) log.warn({ err: error, code, reason, query }, 'a subscription failed');
            if (first) settle();
            first = false;
          },
          complete: () => {},
        },
      );
    }
    const subscribeStart = Date.now();
    await Promise.race([settledAll, new Promise((resolve) => setTimeout(resolve, 120_000))]);
    const subscribeSeconds = (Date.now() - subscribeStart) / 1000;
    log.info({ firstValues, refused: [...limitRefusals], otherErrors }, 'subscribed; ingesting');

    const result = await loadUnderViews(server, 4);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // A probe count k is the k-th batch of this phase: latency from the moment its ingest response arrived (after
    // its commit), and from the moment it was sent (an upper bound).
    const committed = probeReceipts.flatMap(({ count, at }) => {
      const batch = result.batchTimes[count - 1];
      return batch?.committedAt ? [{ fromCommit: at - batch.committedAt, fromSend: at - batch.sentAt }] : [];
    });
    const fromCommit = committed.map((c) => c.fromCommit);
    const fromSend = committed.map((c) => c.fromSend);
    const untilShown = commitUntilShown(probeReceipts, result.batchTimes);
    const { liveResults } = await metricsOf(server);
    const refused = [...limitRefusals].map(([limit, n]) => `${n} (${limit})`).join(', ') || '0';
    const row = (name: string, without: string, withViews: string) =>
      console.log(`| ${name} | ${without} | ${withViews} |`);
    const p = (values: number[]) =>
      `${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.95))} / ${ms(quantile(values, 1))} ms`;
    console.log(
      `\nbench:live --views — ${views} distinct live views (overview, funnel, breakdown by campaign and by channel; ` +
        `${FILTERS.length} filters; TODAY in ${ZONES.length} zones and lastMinutes 5…1,400; ${PROBE_VIEWS} probe views), ` +
        `${SUBSCRIBERS} subscriptions over ${connections} websockets, ${RATE} events/s through GraphQL ingestEvents ` +
        `(${BATCHES_PER_SECOND} batches/s) for ${SECONDS} s per phase, /health every 200 ms`,
    );
    console.log(`| metric | without subscribers | with ${SUBSCRIBERS} subscribers |\n|---|---|---|`);
    row('ingest rate achieved', `${Math.round(baseline.rate)} events/s`, `${Math.round(result.rate)} events/s`);
    row('events stored / sent', `${baseline.stored} / ${baseline.sent}`, `${result.stored} / ${result.sent}`);
    row('ingest batch p50 / p95 / max', p(baseline.batches), p(result.batches));
    row(
      '/health p50 / p95 / max',
      `${p(baseline.health)} (${baseline.healthFailures} failed)`,
      `${p(result.health)} (${result.healthFailures} failed)`,
    );
    row('server RSS (max)', `${Math.max(...baseline.rss).toFixed(0)} MiB`, `${Math.max(...result.rss).toFixed(0)} MiB`);
    row(
      'server heap used (max of samples every 5 s)',
      `${Math.max(...baseline.heap).toFixed(0)} MiB`,
      `${Math.max(...result.heap).toFixed(0)} MiB`,
    );
    row(
      'subscriptions with a first value / refused / other errors',
      '–',
      `${firstValues} / ${refused} / ${otherErrors}`,
    );
    row('time until every subscription had its first value', '–', `${subscribeSeconds.toFixed(1)} s`);
    row('live deliveries during ingest', '–', `${deliveries}`);
    row('commit → delivery p50 / p95 / max (probe views)', '–', `${p(fromCommit)} (${fromCommit.length} deliveries)`);
    row(
      'commit → first delivery showing it p50 / p95 / max (probe views)',
      '–',
      `${p(untilShown.latencies)} (${untilShown.latencies.length} commits × subscriptions, ${untilShown.neverShown} never shown)`,
    );
    row('batch sent → delivery p50 / p95 / max (probe views)', '–', p(fromSend));
    row(
      'live results executed / shared (pmd_live_results_total)',
      '–',
      `${liveResults.executed} / ${liveResults.shared}`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await server.stop();
  }
}

/**
 * For each probe subscription and each batch committed: the time from the commit (its ingest response) until the
 * subscription's first delivery that includes it. Unlike a delivery's latency from the newest batch it shows, this
 * also counts batches that were folded into a later push.
 */
function commitUntilShown(
  receipts: { subscription: number; count: number; at: number }[],
  batchTimes: { committedAt?: number }[],
): { latencies: number[]; neverShown: number } {
  const bySubscription = new Map<number, typeof receipts>();
  for (const receipt of receipts) {
    const shown = bySubscription.get(receipt.subscription);
    if (shown) shown.push(receipt);
    else bySubscription.set(receipt.subscription, [receipt]);
  }
  const latencies: number[] = [];
  let neverShown = 0;
  for (const shown of bySubscription.values()) {
    batchTimes.forEach(({ committedAt }, index) => {
      if (committedAt === undefined) return;
      // Batch index+1 is shown by the first delivery counting at least index+1 probe impressions.
      const first = shown.find((receipt) => receipt.count >= index + 1);
      if (first) latencies.push(first.at - committedAt);
      else neverShown++;
    });
  }
  return { latencies, neverShown };
}

/** The server's live result counts (pmd_live_results_total) and heap used, from /metrics (the bench sets no token). */
async function metricsOf(server: ServerProcess) {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    liveResults: {
      executed: sample('pmd_live_results_total\\{result="executed"\\}'),
      shared: sample('pmd_live_results_total\\{result="shared"\\}'),
    },
    heapUsedMiB: sample('pmd_process_nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

/** Ingest batches on a fixed schedule (not waiting for each other) and /health probes, for SECONDS. */
async function loadUnderViews(server: ServerProcess, seed: number) {
  // Each phase its own seed: the same seed would draw the same event ids, and duplicates are not stored again.
  const random = seededRandom(seed);
  const perBatch = Math.round(RATE / BATCHES_PER_SECOND);
  const mutation =
    'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { ... on IngestResult { stored } } }';
  const batches: number[] = [];
  const batchTimes: { sentAt: number; committedAt?: number }[] = [];
  const health: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  let batchFailures = 0;
  let healthFailures = 0;
  let stored = 0;
  let sent = 0;
  let lastResponseAt = 0;
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
      // Every 5 s: a scrape of /metrics is itself work for the server.
      if (probes.length % 25 === 0) heap.push((await metricsOf(server)).heapUsedMiB);
    }
    await Promise.all(probes);
  })();

  for (let batch = 0; start + (batch * 1000) / BATCHES_PER_SECOND < end; batch++) {
    const due = start + (batch * 1000) / BATCHES_PER_SECOND;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const at = Date.now();
    // One probe impression per batch: probe views count batches.
    const probe = randomEvents(random, 1, { from: new Date(at - 2_000), to: new Date(at), keys: [PROBE] }).map(
      (event) => ({ ...event, event_type: 'ad_impression' as const }),
    );
    const events = [...randomEvents(random, perBatch - 1, { from: new Date(at - 2_000), to: new Date(at) }), ...probe];
    sent += events.length;
    const times: { sentAt: number; committedAt?: number } = { sentAt: at };
    batchTimes.push(times);
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        try {
          const response = await fetch(`${server.baseUrl}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: mutation, variables: { events: events.map(graphqlEvent) } }),
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
        times.committedAt = lastResponseAt = Date.now();
        batches.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all([probing, ...inFlight]);
  const rate = stored / ((lastResponseAt - start) / 1000);
  return {
    batches,
    batchTimes,
    health,
    rss,
    heap,
    batchFailures,
    healthFailures,
    stored,
    sent,
    rate,
    sentBatches: batchTimes.length,
  };
}
