import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, freePort, startEmbeddedCluster } from '@pmd/db';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueLikeCron, waitFor } from './testkit/jobs.ts';
import { groupAlive, serviceEntryPid, startSystem, type SystemProcess } from './testkit/system.ts';

const GAVE_UP = 'service keeps crashing; gave up restarting it (the other services keep running)';

/**
 * The real `pnpm start` on an embedded PostgreSQL in a temp folder, with the generator's traffic: the server, the
 * worker and the postmaster are SIGKILLed in turn and each must come back by itself while the others run on, with
 * every event the generator produced stored exactly once. Then a service that can only crash is given up on.
 */
describe('pnpm start keeps the system up', () => {
  let root: string;
  let dataDir: string;
  let env: Record<string, string>;
  let apiUrl: string;
  let system: SystemProcess | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pmd-faults-supervision-'));
    await chmod(root, 0o755); // the `postgres` OS user must be able to enter it
    dataDir = path.join(root, 'pg');
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port),
      API_URL: apiUrl,
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      GENERATOR_RATE: '10',
      // The restarted worker frees the queue its killed predecessor held within seconds.
      WORKER_SWEEP_INTERVAL_MS: '1000',
    };
  });

  /** Whatever a failed test left running: its process groups, then the postmaster (a fast shutdown on SIGINT). */
  afterEach(async () => {
    if (system?.child.exitCode === null && system.child.signalCode === null) system.kill();
    await waitFor('the embedded PostgreSQL gone', async () => {
      const pid = postmasterPid();
      if (pid === undefined) return true;
      process.kill(pid, 'SIGINT');
      return undefined;
    });
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The running postmaster of the data folder (its pid file can outlive it, and the pid be taken by another process). */
  function postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir) ? pid : undefined;
    } catch {
      return undefined; // no pid file, or no such process
    }
  }

  /** A connection to the system's database, with the password the embedded cluster keeps in its data folder. */
  async function connect(): Promise<pg.Client> {
    const password = readFileSync(path.join(dataDir, 'pmd-superuser-password'), 'utf8').trim();
    const client = new pg.Client({
      connectionString: `postgresql://postgres:${password}@127.0.0.1:${env.EMBEDDED_PG_PORT}/perf_mktg_dash`,
    });
    await client.connect();
    return client;
  }

  async function query(sql: string, values: unknown[] = []): Promise<number> {
    const client = await connect();
    try {
      return (await client.query<{ n: number }>(sql, values)).rows[0]!.n;
    } finally {
      await client.end();
    }
  }

  async function healthy(): Promise<true | undefined> {
    const response = await fetch(`${apiUrl}/health`).catch(() => undefined);
    await response?.body?.cancel();
    return response?.ok || undefined;
  }

  /** The API answers, the generator's events keep arriving, and the worker drains what was queued before now. */
  async function pipelineFlows(when: string): Promise<void> {
    await waitFor(`${when}: the API healthy`, healthy, 60_000, 250);
    const storedEvents = () => query('SELECT count(*)::int AS n FROM raw_events');
    const before = await storedEvents();
    await waitFor(`${when}: new events stored`, async () => (await storedEvents()) > before || undefined, 60_000, 250);
    const last = await query('SELECT coalesce(max(id), 0)::int AS n FROM rollup_dirty_hours');
    await waitFor(
      `${when}: the worker draining the rollup queue`,
      async () => {
        const client = await connect();
        try {
          // Stands in for the next cron tick instead of waiting for the minute to turn.
          await queueLikeCron(client, 'metrics_hourly');
          const { rows } = await client.query('SELECT count(*)::int AS n FROM rollup_dirty_hours WHERE id <= $1', [
            last,
          ]);
          return rows[0].n === 0 || undefined;
        } finally {
          await client.end();
        }
      },
      60_000,
      500,
    );
  }

  it('restarts a killed server, worker and PostgreSQL while the rest runs on; nothing is lost or doubled', async () => {
    const run = (system = startSystem(env));
    const groups: Record<string, number> = {};
    for (const service of ['server', 'worker', 'generator']) {
      groups[service] = Number((await run.waitForLogs({ msg: 'service started', service }, 1, 120_000))[0]!.pid);
    }
    await pipelineFlows('at start');
    const entryPids = () =>
      Object.fromEntries(Object.entries(groups).map(([name, pgid]) => [name, serviceEntryPid(pgid)]));

    for (const victim of ['server', 'worker']) {
      const before = entryPids();
      expect(before[victim], `the ${victim}'s process`).toBeGreaterThan(0);
      process.kill(before[victim]!, 'SIGKILL');
      const restarted = (await run.waitForLogs({ msg: 'service started', service: victim }, 2, 60_000))[1]!;
      expect(run.logsLike({ msg: 'service exited; restarting it', service: victim })).toHaveLength(1);
      await pipelineFlows(`after the ${victim} was killed`);
      groups[victim] = Number(restarted.pid);
      const after = entryPids();
      for (const other of Object.keys(groups).filter((name) => name !== victim)) {
        expect(after[other], `the ${other} kept running`).toBe(before[other]);
      }
    }

    const before = entryPids();
    const postmaster = postmasterPid();
    expect(postmaster, 'the postmaster').toBeGreaterThan(0);
    process.kill(postmaster!, 'SIGKILL');
    await run.waitForLogs({ msg: 'embedded PostgreSQL restarted' }, 1, 60_000);
    await pipelineFlows('after PostgreSQL was killed');
    // The live side reconnected too: the server's LISTEN connection and the worker's liveness locks.
    await run.waitForLogs({ name: 'server', msg: 'LISTEN connection re-established' }, 1, 90_000);
    // The worker rides through as well, unless graphile-worker (0.18) was recording a failed job when the database
    // went: it does not retry a refused connection there, and the process dies of the unhandled rejection. The
    // supervisor then starts a new worker at once; nothing is lost either way (counted below).
    const workerStarts = () => run.logsLike({ msg: 'service started', service: 'worker' });
    const worker = await waitFor(
      'the worker back: its liveness locks held again, or a new worker started',
      async () =>
        run.logsLike({ name: 'worker', msg: 'worker liveness locks held again' }).length
          ? 'rode through'
          : workerStarts().length > 2
            ? 'restarted'
            : undefined,
      90_000,
      100,
    );
    if (worker === 'restarted') groups.worker = Number(workerStarts()[2]!.pid);
    // The server and the generator rode through the outage in the same process: they reconnected, nobody restarted
    // them.
    const after = entryPids();
    expect({ server: after.server, generator: after.generator }).toEqual({
      server: before.server,
      generator: before.generator,
    });
    if (worker === 'rode through') expect(after.worker).toBe(before.worker);
    expect(Object.values(groups).every(groupAlive)).toBe(true);
    const starts = Object.keys(groups).map((service) => run.logsLike({ msg: 'service started', service }).length);
    expect(starts).toEqual([2, worker === 'rode through' ? 2 : 3, 1]);

    // Enough traffic for the count below to mean something, however fast (or loaded) the machine ran the kills.
    await waitFor(
      'more than 100 events stored',
      async () => (await query('SELECT count(*)::int AS n FROM raw_events')) > 100 || undefined,
      60_000,
      250,
    );
    await run.interrupt();
    // The generator stops first, sending what it buffered to a live API: its summary is the count to check.
    const [summary] = run.logsLike({ name: 'generator', msg: 'summary' });
    expect(summary).toMatchObject({ pending: 0, rejected: 0, resent: 0 });
    const generated = Number(summary!.generated);
    expect(summary!.sent).toBe(generated);
    expect(generated).toBeGreaterThan(100);

    // Counted on the stopped system's data folder, as the next start would find it (and with its stored password).
    const cluster = await startEmbeddedCluster({
      dataDir,
      port: Number(env.EMBEDDED_PG_PORT),
      persistent: true,
      log: createLogger('faults-supervision'),
    });
    try {
      const rows = await query('SELECT count(*)::int AS n FROM raw_events');
      const distinct = await query('SELECT count(DISTINCT event_id)::int AS n FROM raw_events');
      expect({ rows, distinct }).toEqual({ rows: generated, distinct: generated });
    } finally {
      await cluster.stop();
    }
  }, 170_000);

  it('gives up on a service that keeps crashing, with a clear message, and the others keep running', async () => {
    // A misconfigured generator exits at once, every time.
    const run = (system = startSystem({ ...env, START_SERVICES: 'server,generator', GENERATOR_RATE: 'lots' }));
    const serverGroup = Number(
      (await run.waitForLogs({ msg: 'service started', service: 'server' }, 1, 120_000))[0]!.pid,
    );
    await waitFor('the API healthy', healthy, 60_000, 250);
    const server = serviceEntryPid(serverGroup);

    const [gaveUp] = await run.waitForLogs({ msg: GAVE_UP, service: 'generator' }, 1, 120_000);
    expect(gaveUp).toMatchObject({ name: 'start', level: 50, crashes: 5, withinMs: 60_000 });
    expect(run.logsLike({ msg: 'service started', service: 'generator' })).toHaveLength(5);
    expect(
      run.logsLike({ msg: 'service exited; restarting it', service: 'generator' }).map((l) => l.restartInMs),
    ).toEqual([500, 1_000, 2_000, 4_000]);
    expect(await healthy()).toBe(true);
    expect(serviceEntryPid(serverGroup)).toBe(server);
    expect(run.child.exitCode).toBeNull();

    await run.interrupt();
    expect(run.logsLike({ msg: 'service started', service: 'generator' })).toHaveLength(5);
  }, 170_000);
});
