import { EventEmitter } from 'node:events';
import type { Logger } from '@pmd/db';
import type { WorkerEvents } from 'graphile-worker';
import pg from 'pg';

/**
 * graphile-worker marks each job it takes, and the named queue of that job (`rollups`), with the taking worker's id,
 * and frees them only when that worker finishes, or after FOUR HOURS when it died without shutting down (SIGKILL,
 * OOM, a lost machine). A dead holder of `rollups` would stop every rollup for those hours.
 *
 * So every worker process proves that its graphile worker ids are alive by holding a session advisory lock per id on
 * one connection of its own; PostgreSQL drops those locks the moment the process dies. A sweep (at start and every
 * `sweepIntervalMs`) looks for jobs and queues locked for more than `staleAfterMs` by an id whose lock nobody holds,
 * and force-unlocks them. A job that was running when its worker died is not retried (our cron jobs have max=1);
 * the next tick's job, same job key, takes its place.
 */

/** First key of the two-key advisory lock space used for liveness (hashtext('pmd:worker-alive')). */
const LIVENESS_NAMESPACE = "hashtext('pmd:worker-alive')";

const HOLD_SQL = `SELECT pg_advisory_lock(${LIVENESS_NAMESPACE}, hashtext($1))`;

/** Holders of job or queue locks older than the grace period; each is then tested for a live liveness lock. */
const STALE_HOLDERS_SQL = `
  SELECT locked_by FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL AND locked_at < now() - $1::interval
  UNION
  SELECT locked_by FROM graphile_worker._private_job_queues WHERE locked_by IS NOT NULL AND locked_at < now() - $1::interval`;

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

export async function startWorkerLiveness(options: WorkerLivenessOptions): Promise<WorkerLiveness> {
  const { databaseUrl, log } = options;
  const staleAfter = `${Math.round((options.staleAfterMs ?? 10_000) / 1000)} seconds`;
  const held = new Set<string>();
  let stopped = false;
  let holder: pg.Client | undefined;

  /** (Re)connects the holding connection and takes every known id's lock again (after a database restart). */
  async function connectHolder(): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'pmd-worker-liveness' });
    client.on('error', (error) => {
      if (stopped) return;
      log.warn({ err: error }, 'worker liveness connection lost; reconnecting');
      holder = undefined;
      setTimeout(
        () => void connectHolder().catch((err) => log.warn({ err }, 'worker liveness reconnect failed')),
        1_000,
      );
    });
    await client.connect();
    for (const id of held) await client.query(HOLD_SQL, [id]);
    holder = client;
  }

  function hold(id: string): void {
    held.add(id);
    holder
      ?.query(HOLD_SQL, [id])
      .catch((error) => log.warn({ err: error, workerId: id }, 'cannot hold worker liveness lock'));
  }

  const events = new EventEmitter() as WorkerEvents;
  events.on('pool:create', ({ workerPool }) => hold(workerPool.id));
  events.on('worker:create', ({ worker }) => hold(worker.workerId));

  async function sweep(): Promise<string[]> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'pmd-worker-sweep' });
    await client.connect();
    try {
      const stale = (await client.query<{ locked_by: string }>(STALE_HOLDERS_SQL, [staleAfter])).rows
        .map((row) => row.locked_by)
        .filter((id) => !held.has(id));
      if (!stale.length) return [];
      const dead = (await client.query<{ id: string }>(DEAD_AMONG_SQL, [stale])).rows.map((row) => row.id);
      if (dead.length) {
        await client.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [dead]);
        log.warn({ workerIds: dead }, 'freed jobs and queues held by dead workers');
      }
      return dead;
    } finally {
      await client.end().catch(() => {});
    }
  }

  await connectHolder();
  const timer = setInterval(
    () => void sweep().catch((error) => log.warn({ err: error }, 'dead worker sweep failed')),
    options.sweepIntervalMs ?? 30_000,
  );
  return {
    events,
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await holder?.end().catch(() => {});
    },
  };
}
