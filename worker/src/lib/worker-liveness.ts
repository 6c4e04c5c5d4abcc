import { EventEmitter } from 'node:events';
import type { Logger } from '@pmd/db';
import { Logger as GraphileLogger, makeWorkerUtils, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';

/**
 * graphile-worker marks each job it takes, and the named queue of that job (`rollups`), with the taking worker's id,
 * and frees them only when that worker finishes, or after FOUR HOURS when it died without shutting down (SIGKILL,
 * OOM, a lost machine). A dead holder of `rollups` would stop every rollup for those hours.
 *
 * So every worker process proves that its graphile worker ids are alive by holding a session advisory lock per id on
 * one connection of its own; PostgreSQL drops those locks the moment the process dies. A sweep (seconds after start,
 * then every `sweepIntervalMs`) looks for jobs and queues locked for more than `staleAfterMs` by an id whose lock
 * nobody holds, and force-unlocks them. A job that was running when its worker died is not retried (our cron jobs have max=1);
 * the next tick's job, same job key, takes its place.
 *
 * Only graphile-worker's public interface is used: the `graphile_worker.jobs` view to find holders and
 * `WorkerUtils.forceUnlockWorkers` to free them (it frees the holder's queues too). The view shows job locks only,
 * which suffices: a worker locks a named queue together with the job it takes from it and unlocks both together, so a
 * dead holder of a queue also holds that queue's job.
 */

/** First key of the two-key advisory lock space used for liveness (hashtext('pmd:worker-alive')). */
const LIVENESS_NAMESPACE = "hashtext('pmd:worker-alive')";

/** Pause between reconnects of the holding connection. */
const RECONNECT_MS = 1_000;
/** Bound of a reconnect's connection and of each lock it takes again. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A sweep waits this long after (re)taking its own locks: every live process has reconnected by then. */
const SETTLE_MS = 5 * RECONNECT_MS;

const HOLD_SQL = `SELECT pg_advisory_lock(${LIVENESS_NAMESPACE}, hashtext($1))`;

/** Holders of job locks older than the grace period; each is then tested for a live liveness lock. */
const STALE_HOLDERS_SQL = `
  SELECT DISTINCT locked_by FROM graphile_worker.jobs
  WHERE locked_by IS NOT NULL AND locked_at < now() - $1::interval`;

/** Takes and at once gives back the liveness lock of each id: taking it proves nobody held it, i.e. the id is dead. */
const DEAD_AMONG_SQL = `
  SELECT id FROM unnest($1::text[]) AS id
  WHERE pg_try_advisory_lock(${LIVENESS_NAMESPACE}, hashtext(id))
    AND pg_advisory_unlock(${LIVENESS_NAMESPACE}, hashtext(id))`;

export interface WorkerLivenessOptions {
  databaseUrl: string;
  log: Logger;
  sweepIntervalMs?: number;
  /** Locks younger than this are never swept (a new worker takes its liveness lock just after its first job). */
  staleAfterMs?: number;
}

export interface WorkerLiveness {
  /** Pass to graphile-worker's `run({ events })`, so every worker id it creates is held alive. */
  events: WorkerEvents;
  /** Frees what dead workers hold; returns their ids. */
  sweep(): Promise<string[]>;
  stop(): Promise<void>;
}

/** graphile-worker's own messages about the sweep's pool, warnings and errors only. */
function problemsOnly(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    if (level === 'error') log.error({ ...scope, ...meta }, message);
    else if (level === 'warning') log.warn({ ...scope, ...meta }, message);
  });
}

export async function startWorkerLiveness(options: WorkerLivenessOptions): Promise<WorkerLiveness> {
  const { databaseUrl, log } = options;
  const staleAfter = `${Math.round((options.staleAfterMs ?? 10_000) / 1000)} seconds`;
  const held = new Set<string>();
  let stopped = false;
  let holder: pg.Client | undefined;
  /** When the current holding connection took its locks (0 while there is none). */
  let holdingSince = 0;
  /** Made at the first sweep (the worker has migrated graphile-worker's schema by then). */
  let utils: WorkerUtils | undefined;

  /** (Re)connects the holding connection and takes every known id's lock again (after a database restart). */
  async function connectHolder(): Promise<void> {
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'pmd-worker-liveness',
      // pg waits for a connection and for a lock without end by default; a reconnect must end, in success or in an
      // error and the next try, or the locks would never be held again after a restart of the database.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      lock_timeout: CONNECT_TIMEOUT_MS,
    });
    let lost = false;
    client.on('error', (error) => {
      if (lost || stopped) return;
      lost = true;
      holder = undefined;
      holdingSince = 0;
      client.end().catch(() => {});
      log.warn({ err: error }, 'worker liveness connection lost; reconnecting');
      reconnectSoon();
    });
    try {
      await client.connect();
      for (const id of held) await client.query(HOLD_SQL, [id]);
    } catch (error) {
      lost = true;
      await client.end().catch(() => {});
      throw error;
    }
    holder = client;
    holdingSince = Date.now();
  }

  function reconnectSoon(): void {
    setTimeout(async () => {
      if (stopped) return;
      try {
        await connectHolder();
        log.info('worker liveness locks held again');
      } catch (error) {
        log.warn({ err: error }, 'worker liveness reconnect failed; retrying');
        reconnectSoon();
      }
    }, RECONNECT_MS);
  }

  /**
   * Lock requests wait their turn: graphile-worker creates its pool and its workers in one tick, and a pg client given
   * a query while another runs queues it with a DeprecationWarning (pg 9 will throw).
   */
  let holding = Promise.resolve();
  function hold(id: string): void {
    held.add(id);
    holding = holding.then(() =>
      holder
        ?.query(HOLD_SQL, [id])
        .then(() => {})
        .catch((error) => log.warn({ err: error, workerId: id }, 'cannot hold worker liveness lock')),
    );
  }

  const events = new EventEmitter() as WorkerEvents;
  events.on('pool:create', ({ workerPool }) => hold(workerPool.id));
  events.on('worker:create', ({ worker }) => hold(worker.workerId));

  async function sweep(): Promise<string[]> {
    // After a database restart every process's liveness locks are gone until it reconnects: judge others only once
    // this process has held its own locks long enough for theirs to be back too.
    if (!holdingSince || Date.now() - holdingSince < SETTLE_MS) return [];
    utils ??= await makeWorkerUtils({ connectionString: databaseUrl, maxPoolSize: 1, logger: problemsOnly(log) });
    const dead = await utils.withPgClient(async (client) => {
      const stale = (await client.query<{ locked_by: string }>(STALE_HOLDERS_SQL, [staleAfter])).rows
        .map((row) => row.locked_by)
        .filter((id) => !held.has(id));
      if (!stale.length) return [];
      return (await client.query<{ id: string }>(DEAD_AMONG_SQL, [stale])).rows.map((row) => row.id);
    });
    if (dead.length) {
      await utils.forceUnlockWorkers(dead);
      log.warn({ workerIds: dead }, 'freed jobs and queues held by dead workers');
    }
    return dead;
  }

  await connectHolder();
  const runSweep = () => void sweep().catch((error) => log.warn({ err: error }, 'dead worker sweep failed'));
  // First sweep as soon as this process's own locks have settled (a restarted worker frees its dead predecessor's
  // queue within seconds), then periodically.
  const first = setTimeout(runSweep, SETTLE_MS + 100);
  const timer = setInterval(runSweep, options.sweepIntervalMs ?? 30_000);
  return {
    events,
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await holder?.end().catch(() => {});
      await Promise.resolve(utils?.release()).catch(() => {});
    },
  };
}
