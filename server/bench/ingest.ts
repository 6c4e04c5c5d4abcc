/**
 * `pnpm bench:ingest [--events 200000] [--single-events 20000] [--clients 4] [--rounds 1] [--baseline <git rev>]`
 *
 * Starts the real server in a child process (so its peak RSS is the server's alone) on a throwaway database
 * (DATABASE_URL's server, or an embedded PostgreSQL), then loads events through
 *   (a) GraphQL ingestEvents, batches of 1,000, from --clients concurrent clients,
 *   (b) REST POST /events/batch, batches of 50, from --clients clients,
 *   (c) REST POST /events, one event per request, from --clients clients,
 *   (d) COPY of the rows of (a) into a scratch copy of raw_events (same indexes) — the floor of what PostgreSQL can do,
 * and prints events/s, request latency p50/p99, WAL bytes per event, the ratio (a)/(d) and the server's peak RSS.
 * Request bodies are serialised (and this process's garbage collected) before the clock starts, so the figures are the
 * server's, not the client's JSON.
 * With `--baseline <rev>` (e.g. `main`) that revision's server runs too, on a database of its own migrated by its own
 * migrations (lib/revision.ts); each phase runs against both servers in turn, and a last table sets them side by side.
 * With `--rounds N` every phase runs N times (new event ids each round): the tables show, per phase, the round of median
 * rate, and the targets are checked on the medians, as rates on a shared 2-core machine move by ±10% between runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createLogger, ensureDatabase, freePort, startEmbeddedCluster } from '@pmd/db';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { KeepAliveClient } from './lib/keep-alive-client.ts';
import { revisionsToMeasure, type Revision } from './lib/revision.ts';
import { quantile } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'single-events': { type: 'string', default: '20000' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
    campaigns: { type: 'string', default: '4' },
    'spread-minutes': { type: 'string', default: '1' },
    baseline: { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const SINGLE_EVENTS = Math.min(Number(args['single-events']), EVENTS);
const CLIENTS = Number(args.clients);
const ROUNDS = Math.max(1, Number(args.rounds));
/**
 * The default shape is the original generator's traffic (4 campaign/channel pairs, events stamped "now", so within the
 * last minute), the load the issue's 6,000 events/s figure of the FastAPI service was measured with. More pairs and a
 * wider spread (e.g. `--campaigns 80 --spread-minutes 10`) touch more minute rows and dirty hours per batch: costlier.
 */
const CAMPAIGNS = Number(args.campaigns);
const SPREAD_MS = Number(args['spread-minutes']) * 60_000;
const log = createLogger('bench');

interface BenchEvent {
  event_id: string;
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: string;
  cost: number;
}

const TYPES = ['ad_impression', 'ad_impression', 'ad_impression', 'ad_click', 'signup', 'activation'];
const CHANNELS = ['google', 'meta', 'tiktok', 'email'];

/** Deterministic events over --campaigns campaign/channel pairs and the last --spread-minutes. */
function makeEvents(count: number, prefix: string): BenchEvent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const type = TYPES[i % TYPES.length]!;
    return {
      event_id: `${prefix}-${i.toString(36)}-${((i * 2_654_435_761) >>> 0).toString(16)}`,
      ts: new Date(now - ((i * 7_919) % SPREAD_MS)).toISOString().replace('Z', '123+00:00'),
      user_id: `user_${String(i % 2000).padStart(5, '0')}`,
      campaign_id: `camp_${i % CAMPAIGNS}`,
      channel: CHANNELS[(i % CAMPAIGNS) % CHANNELS.length]!,
      event_type: type,
      cost: type === 'ad_click' ? Math.round(((i % 97) / 50 + 0.1) * 1e6) / 1e6 : 0,
    };
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

interface PhaseResult {
  name: string;
  events: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU seconds spent during the phase by the server process, by this database's PostgreSQL backends, by this client. */
  cpu?: { server: number; postgres: number; client: number };
  /**
   * WAL the cluster wrote during the phase (`pg_current_wal_lsn()` before and after): what a standby streams and a
   * commit flushes. The whole cluster's, so a baseline server idling beside it or another database's work adds to it.
   */
  walBytes?: number;
}

/** The cluster's WAL position now (compare two with `walBytesSince`). */
async function walPosition(client: pg.ClientBase): Promise<string> {
  return (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
}

/** Bytes of WAL written since `position`. */
async function walBytesSince(client: pg.ClientBase, position: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes',
    [position],
  );
  return Number(rows[0]!.bytes);
}

/** utime + stime of a process in seconds (0 when it is gone or not on this machine). */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Measures the CPU the server, the database's backends and this process spend while `run` goes. PostgreSQL's
 * background processes (they serve every database of the cluster) are not counted, nor an autovacuum worker that
 * starts and ends within the phase: in one window of 100,000 REST ×50 events, autovacuum took 6.3 µs per event and the
 * I/O worker, checkpointer and writers 3.1 more, beside the backends' 37.5.
 */
async function withCpu(serverPid: number, databaseUrl: string, run: () => Promise<PhaseResult>): Promise<PhaseResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const backendPids = async () =>
    (
      await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((r) => r.pid);
  const cpuByPid = async (pids: number[]) =>
    new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuSeconds(pid)] as const)));
  try {
    const backendsBefore = await cpuByPid(await backendPids());
    const before = { server: await cpuSeconds(serverPid), client: process.cpuUsage(), wal: await walPosition(client) };
    const result = await run();
    result.walBytes = await walBytesSince(client, before.wal);
    // Backends opened during the phase started from 0 CPU. A backend closed during it (the pool's idle timeout, as a
    // server may idle while another revision's phase runs) reads 0 now: its CPU in the phase is lost, never negative.
    const backendsAfter = await cpuByPid([...new Set([...backendsBefore.keys(), ...(await backendPids())])]);
    const usage = process.cpuUsage(before.client);
    let postgres = 0;
    for (const [pid, after] of backendsAfter) postgres += Math.max(0, after - (backendsBefore.get(pid) ?? 0));
    result.cpu = {
      server: (await cpuSeconds(serverPid)) - before.server,
      postgres,
      client: (usage.user + usage.system) / 1e6,
    };
    return result;
  } finally {
    await client.end();
  }
}

/** Sends every body from `clients` concurrent loops; each response must report the expected stored count. */
async function runPhase(
  name: string,
  url: string,
  bodies: { body: string; events: number }[],
  checkResponse: (json: any, events: number) => void,
): Promise<PhaseResult> {
  let next = 0;
  const latenciesMs: number[] = [];
  const { hostname, port, pathname } = new URL(url);
  // Connected before the clock starts, as a long-running sender's connections are.
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => KeepAliveClient.connect(hostname, Number(port))),
  );
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      try {
        while (next < bodies.length) {
          const { body, events } = bodies[next++]!;
          const t0 = performance.now();
          const response = await client.post(pathname, body);
          latenciesMs.push(performance.now() - t0);
          if (response.status !== 200)
            throw new Error(`${name}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
          checkResponse(JSON.parse(response.text), events);
        }
      } finally {
        client.close();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { name, events: bodies.reduce((sum, b) => sum + b.events, 0), seconds, latenciesMs };
}

async function copyPhase(databaseUrl: string, events: BenchEvent[]): Promise<PhaseResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_raw_events');
    await client.query('CREATE TABLE bench_raw_events (LIKE raw_events INCLUDING ALL)');
    const lines = events.map(
      (e) => `${e.event_id}\t${e.ts}\t${e.user_id}\t${e.campaign_id}\t${e.channel}\t${e.event_type}\t${e.cost}\n`,
    );
    const backendPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const cpuBefore = { postgres: await cpuSeconds(backendPid), client: process.cpuUsage() };
    const walBefore = await walPosition(client);
    const started = performance.now();
    await pipeline(
      Readable.from(chunks(lines, 1000).map((chunk) => chunk.join(''))),
      client.query(
        copyFrom('COPY bench_raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost) FROM STDIN'),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const walBytes = await walBytesSince(client, walBefore);
    const clientUsage = process.cpuUsage(cpuBefore.client);
    const cpu = {
      server: 0,
      postgres: (await cpuSeconds(backendPid)) - cpuBefore.postgres,
      client: (clientUsage.user + clientUsage.system) / 1e6,
    };
    await client.query('DROP TABLE bench_raw_events');
    return {
      name: '(d) COPY into a scratch raw_events',
      events: events.length,
      seconds,
      latenciesMs: [],
      cpu,
      walBytes,
    };
  } finally {
    await client.end();
  }
}

/** Where throwaway databases are created: DATABASE_URL's server, or one embedded PostgreSQL for the whole run. */
async function openThrowawayServer(): Promise<{
  createDatabase(name: string): Promise<string>;
  dispose(): Promise<void>;
}> {
  const created: string[] = [];
  if (process.env.DATABASE_URL) {
    const adminUrl = process.env.DATABASE_URL;
    return {
      createDatabase: async (name) => {
        created.push(name);
        return ensureDatabase(adminUrl, name);
      },
      dispose: async () => {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        for (const name of created)
          await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'pmd-bench-pg-'));
  await chmod(dir, 0o755); // the `postgres` OS user running the cluster must enter it
  const cluster = await startEmbeddedCluster({ dataDir: path.join(dir, 'data'), persistent: false, log });
  return {
    createDatabase: (name) => ensureDatabase(cluster.adminUrl, name),
    dispose: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startServer(serverDir: string, databaseUrl: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort(0);
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server process.
  // The heap cap `pnpm start` gives the server (server/package.json): V8 otherwise grows the heap lazily to ~450 MB
  // under batch ingest before collecting.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '--max-old-space-size=256').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/index.ts'], {
    cwd: serverDir,
    // The production configuration: NODE_ENV=production also turns off graphql-js's development-only instanceof checks.
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      INGEST_TOKEN: '',
      // The benchmark measures throughput, not the per-client limit.
      INGEST_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const healthy = await fetch(`${baseUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return { child, baseUrl };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error('server did not become healthy in 30 s');
}

/** Peak resident set size of a process (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

const mutation =
  'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { ... on IngestResult { stored } } }';
const toInput = (e: BenchEvent) => ({
  eventId: e.event_id,
  ts: e.ts,
  userId: e.user_id,
  campaignId: e.campaign_id,
  channel: e.channel,
  eventType: e.event_type.toUpperCase(),
  cost: e.cost,
});
/** Events per request of (a) and of (b). */
const GRAPHQL_BATCH = 1000;
const REST_BATCH = 50;

/** Request bodies of each door for `events`, serialised ahead (the round's phases and the warm-up share them). */
const bodiesOf = {
  graphql: (events: BenchEvent[]) =>
    chunks(events, GRAPHQL_BATCH).map((batch) => ({
      body: JSON.stringify({ query: mutation, variables: { events: batch.map(toInput) } }),
      events: batch.length,
    })),
  restBatch: (events: BenchEvent[]) =>
    chunks(events, REST_BATCH).map((batch) => ({ body: JSON.stringify(batch), events: batch.length })),
  restSingle: (events: BenchEvent[]) => events.map((event) => ({ body: JSON.stringify(event), events: 1 })),
};

/** A round's events and request bodies: every revision gets the same ones, each on a database of its own. */
function roundInput(round: number) {
  const prefix = (name: string) => (round === 0 ? name : `${name}${round}`);
  const graphqlEvents = makeEvents(EVENTS, prefix('gql'));
  return {
    graphqlEvents,
    graphqlBodies: bodiesOf.graphql(graphqlEvents),
    restBodies: bodiesOf.restBatch(makeEvents(EVENTS, prefix('rest'))),
    singleBodies: bodiesOf.restSingle(makeEvents(SINGLE_EVENTS, prefix('one'))),
  };
}
/**
 * The untimed warm-up, per door: enough requests for V8 to optimise each path (JIT), so a phase's one round measures
 * the steady state a long-running server is in, as its later rounds do. The server's CPU per REST ×50 event falls
 * for about 200,000 events: in rounds of 20,000 after 400 batches of warm-up it went 27, 22, 23, 21, 18, 19, 16, 15,
 * 14, 13, 17, 13, 13, 12 µs; with 400 batches, a one-round (b) cost it 18–23 µs, with 4,000 11–15 (three runs). It
 * takes about 4 s of GraphQL and 8 s of REST per revision.
 */
const WARM_UP = { graphqlBatches: 200, restBatches: 4000, singles: 1000 };

/**
 * A full garbage collection of this process before each timed phase: otherwise the collection of what building a
 * round's bodies left (or the warm-up's) falls on the first phase measured, against whichever revision runs first. With
 * `--baseline HEAD` (the same code twice) the first revision's (a) ran at 0.83–0.88× the second's, with 2.2–3.0 µs of
 * client CPU per event against 1.6–1.9, in two runs; with this, 1.07, 1.07 and 0.91× in three (the pairing's noise on a
 * shared 2-core machine). `pnpm bench:ingest` exposes it (`--expose-gc`).
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface RevisionResult {
  revision: Revision;
  /** Each round's phases (a)–(d). */
  rounds: PhaseResult[][];
  /** Per phase, the round of median rate (the only round when there is one). */
  phases: PhaseResult[];
  rssMb: number;
}

interface RunningRevision {
  revision: Revision;
  databaseUrl: string;
  server: { child: ChildProcess; baseUrl: string };
}

/** `revision`'s server on a database migrated by its own migrations. */
async function startRevision(revision: Revision, databaseUrl: string): Promise<RunningRevision> {
  await revision.migrate(databaseUrl);
  return { revision, databaseUrl, server: await startServer(path.join(revision.root, 'server'), databaseUrl) };
}

/** JIT and connection warm-up, untimed, with ids of their own (each revision on its own database). */
async function warmUp({ server: { baseUrl } }: RunningRevision): Promise<void> {
  const restStart = WARM_UP.graphqlBatches * GRAPHQL_BATCH;
  const singlesStart = restStart + WARM_UP.restBatches * REST_BATCH;
  const warm = makeEvents(singlesStart + WARM_UP.singles, 'warm');
  await runPhase('warm-up', `${baseUrl}/graphql`, bodiesOf.graphql(warm.slice(0, restStart)), () => {});
  await runPhase(
    'warm-up',
    `${baseUrl}/events/batch`,
    bodiesOf.restBatch(warm.slice(restStart, singlesStart)),
    () => {},
  );
  await runPhase('warm-up', `${baseUrl}/events`, bodiesOf.restSingle(warm.slice(singlesStart)), () => {});
}

async function stopRevision({ server }: RunningRevision): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

const expectStored = (stored: number, events: number, phase: string) => {
  if (stored !== events) throw new Error(`${phase}: stored ${stored} of ${events}`);
};

/** Phases (a)–(d) of every round, each run against every revision in turn before the next phase, so load from
 * neighbours on a shared machine falls on all revisions alike. */
async function measure(running: RunningRevision[]): Promise<RevisionResult[]> {
  const results = running.map(({ revision }): RevisionResult => ({ revision, rounds: [], phases: [], rssMb: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    const { graphqlEvents, graphqlBodies, restBodies, singleBodies } = roundInput(round);
    const phases: ((target: RunningRevision) => Promise<PhaseResult>)[] = [
      ({ server, databaseUrl }) =>
        withCpu(server.child.pid!, databaseUrl, () =>
          runPhase(
            `(a) GraphQL ingestEvents ×1000, ${CLIENTS} clients`,
            `${server.baseUrl}/graphql`,
            graphqlBodies,
            (json, n) => expectStored(json.data?.ingestEvents?.stored, n, 'graphql'),
          ),
        ),
      ({ server, databaseUrl }) =>
        withCpu(server.child.pid!, databaseUrl, () =>
          runPhase(
            `(b) REST /events/batch ×50, ${CLIENTS} clients`,
            `${server.baseUrl}/events/batch`,
            restBodies,
            (json, n) => expectStored(json.ingested, n, 'rest batch'),
          ),
        ),
      ({ server, databaseUrl }) =>
        withCpu(server.child.pid!, databaseUrl, () =>
          runPhase(`(c) REST /events ×1, ${CLIENTS} clients`, `${server.baseUrl}/events`, singleBodies, (json) =>
            expectStored(json.duplicate === false ? 1 : 0, 1, 'rest single'),
          ),
        ),
      ({ databaseUrl }) => copyPhase(databaseUrl, graphqlEvents),
    ];
    log.info(
      { round: round + 1, rounds: ROUNDS, events: EVENTS, singleEvents: SINGLE_EVENTS, clients: CLIENTS },
      'loading',
    );
    const measured = running.map((): PhaseResult[] => []);
    for (const phase of phases) {
      for (const [i, target] of running.entries()) {
        collectGarbage();
        measured[i]!.push(await phase(target));
      }
    }
    measured.forEach((phasesOfRound, i) => results[i]!.rounds.push(phasesOfRound));
  }
  for (const [i, { server }] of running.entries()) {
    const result = results[i]!;
    result.rssMb = await peakRssMb(server.child.pid!);
    result.phases = result.rounds[0]!.map((_, phase) =>
      medianBy(
        result.rounds.map((round) => round[phase]!),
        rate,
      ),
    );
  }
  return results;
}

/** The item of median `key` (the lower of the middle two for an even count, as `quantile(…, 0.5)` picks). */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)]!;
}

const rate = (r: PhaseResult) => r.events / r.seconds;
/** Server CPU µs per event. */
const serverCpuPerEvent = (r: PhaseResult) => (r.cpu ? (r.cpu.server * 1e6) / r.events : Number.NaN);

function report({ revision, rounds, phases, rssMb }: RevisionResult): void {
  console.log(
    `\ningest benchmark (${revision.label}): ${EVENTS} events (single-event phase: ${SINGLE_EVENTS}), ${CLIENTS} clients, ` +
      `${CAMPAIGNS} campaign/channel pairs, event times over the last ${SPREAD_MS / 60_000} minute(s)` +
      `${ROUNDS > 1 ? `; ${ROUNDS} rounds, each phase's median round shown` : ''}\n`,
  );
  console.log(
    'phase'.padEnd(46),
    'events'.padStart(8),
    'seconds'.padStart(8),
    'events/s'.padStart(10),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'WAL B/event'.padStart(12),
    '  CPU ms per 1000 events: server / postgres / client',
  );
  for (const r of phases) {
    console.log(
      r.name.padEnd(46),
      String(r.events).padStart(8),
      r.seconds.toFixed(2).padStart(8),
      Math.round(rate(r)).toString().padStart(10),
      (r.latenciesMs.length ? quantile(r.latenciesMs, 0.5).toFixed(1) : '-').padStart(8),
      (r.latenciesMs.length ? quantile(r.latenciesMs, 0.99).toFixed(1) : '-').padStart(8),
      (r.walBytes === undefined ? '-' : (r.walBytes / r.events).toFixed(0)).padStart(12),
      r.cpu
        ? `  ${[r.cpu.server, r.cpu.postgres, r.cpu.client].map((c) => ((c * 1e6) / r.events).toFixed(1)).join(' / ')}`
        : '',
    );
  }
  // Each round's (a) against the same round's COPY: the two move together when the machine's speed does.
  const ratios = rounds.map((round) => rate(round[0]!) / rate(round[3]!));
  const restRates = rounds.map((round) => rate(round[1]!));
  const each = (values: number[], digits: number) =>
    ROUNDS > 1 ? ` (rounds: ${values.map((value) => value.toFixed(digits)).join(', ')})` : '';
  console.log(`\nratio (a)/(d): ${quantile(ratios, 0.5).toFixed(2)} (target ≥ 0.5)${each(ratios, 2)}`);
  console.log(`(b): ${Math.round(quantile(restRates, 0.5))} events/s (target ≥ 30000)${each(restRates, 0)}`);
  // On a shared machine wall-clock rates mostly measure the neighbours; CPU per event does not. With the server and
  // PostgreSQL each on a core of their own, the busier of the two bounds the rate.
  const capacity = (r: PhaseResult) =>
    r.cpu ? 1e6 / Math.max(r.cpu.server, r.cpu.postgres) / (1e6 / r.events) : Number.NaN;
  console.log(
    `CPU-bound estimate (server and PostgreSQL one core each): (a) ${Math.round(capacity(phases[0]!))} ev/s, ` +
      `(b) ${Math.round(capacity(phases[1]!))} ev/s, (c) ${Math.round(capacity(phases[2]!))} ev/s, ` +
      `(d) ${Math.round(capacity(phases[3]!))} ev/s, ratio (a)/(d) ${(capacity(phases[0]!) / capacity(phases[3]!)).toFixed(2)}`,
  );
  console.log(`server peak RSS (VmHWM of the server process): ${rssMb.toFixed(0)} MB (target ≤ 300)`);
}

/** This checkout against the baseline, phase by phase: rates and server CPU per event, with their ratios. */
function compare(current: RevisionResult, baseline: RevisionResult): void {
  console.log(`\n${current.revision.label} vs ${baseline.revision.label} (ratio > 1: this checkout is faster)\n`);
  console.log(
    'phase'.padEnd(46),
    'events/s'.padStart(10),
    'baseline'.padStart(10),
    'ratio'.padStart(6),
    '  server µs/event'.padStart(18),
    'baseline'.padStart(10),
    'ratio'.padStart(6),
  );
  current.phases.forEach((phase, i) => {
    const before = baseline.phases[i]!;
    console.log(
      phase.name.padEnd(46),
      Math.round(rate(phase)).toString().padStart(10),
      Math.round(rate(before)).toString().padStart(10),
      (rate(phase) / rate(before)).toFixed(2).padStart(6),
      serverCpuPerEvent(phase).toFixed(1).padStart(18),
      serverCpuPerEvent(before).toFixed(1).padStart(10),
      (serverCpuPerEvent(before) / serverCpuPerEvent(phase)).toFixed(2).padStart(6),
    );
  });
}

const databases = await openThrowawayServer();
const revisions = await revisionsToMeasure(args.baseline, log);
const running: RunningRevision[] = [];
try {
  for (const [i, revision] of revisions.entries()) {
    const databaseUrl = await databases.createDatabase(`pmd_bench_${Date.now().toString(36)}_${i}`);
    // Running before its warm-up, so a failed warm-up still stops the server (in `finally`).
    running.push(await startRevision(revision, databaseUrl));
    await warmUp(running.at(-1)!);
  }
  const results = await measure(running);
  results.forEach(report);
  if (results[1]) compare(results[0]!, results[1]);
} finally {
  for (const target of running) await stopRevision(target);
  for (const revision of revisions) await revision.dispose();
  await databases.dispose();
}
