import type { Logger } from '@pmd/db';
import type pg from 'pg';

/**
 * Where live views read. A notification comes from the primary (LISTEN stays there); a read that follows it must see
 * that commit, or a view pushes a stale value and keeps it until the next change.
 */
export interface LiveDatabase {
  /** The pool live views read while nothing they wait for is missing (the standby's, or the primary's). */
  readonly pool: pg.Pool;
  /** A notification arrived: the primary committed a change that reads started from now on must see. */
  noteChange(): void;
  /** A pool whose data holds every change noted before this call. */
  readable(): Promise<pg.Pool>;
}

/** Live views on the primary itself: a notification arrives after its commit, so every read already sees it. */
export function primaryLiveDatabase(pool: pg.Pool): LiveDatabase {
  const ready = Promise.resolve(pool);
  return { pool, noteChange: () => {}, readable: () => ready };
}

/** First and longest pause between two looks at the standby's replay position. */
const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 50;
/**
 * The least time one look at the standby is given, even past the wait's end: a healthy standby answers in a few
 * milliseconds, so with LIVE_REPLICA_WAIT_MS=0 a caught-up standby is still read, and a silent one costs this much.
 */
const MIN_LOOK_MS = 50;

/**
 * The primary's WAL position that holds every commit whose notification has arrived. A listener is told of a commit
 * only once it is visible, and with synchronous_commit on (or local, remote_*) the commit record is flushed before it
 * becomes visible: the flush position covers it, and a standby can only ever receive flushed WAL. With
 * synchronous_commit=off a commit is visible (and notified) while its record may still be in the WAL buffers, ahead of
 * the flush position, so the insert position is the one that covers it (the standby gets it once the WAL writer has
 * flushed it, within 3 × wal_writer_delay). The insert position is not used always: it also counts records of
 * transactions still running, so waiting for it would wait for WAL nobody needs. The setting read here is this
 * session's default, the one ingest's sessions get too (the app never changes it per session).
 */
const PRIMARY_LSN_SQL = `
SELECT (CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn()
             ELSE pg_current_wal_flush_lsn() END)::text AS lsn`;

/** Whether the standby has replayed up to $1; a server not in recovery (promoted) is as current as it gets. */
const REPLAYED_SQL = `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, NOT pg_is_in_recovery()) AS replayed`;

export interface StandbyLiveDatabaseOptions {
  /** Live views' pool on the standby (READ_DATABASE_URL). */
  standby: pg.Pool;
  /** A small pool on the primary: its WAL position, and the reads of a computation whose wait ran out. */
  primary: pg.Pool;
  /** How long a computation waits for the standby's replay before it reads the primary (LIVE_REPLICA_WAIT_MS). */
  waitMs: number;
  log: Logger;
  counters?: { waits: { inc(): void }; fallbacks: { inc(): void } };
}

/** One shared look at the standby: the changes it covers and the pool that holds them. */
interface Check {
  covers: number;
  pool: pg.Pool;
}

/** The last check that fell back: the changes it covered and the WAL position the standby had not replayed. */
interface FellBack {
  covers: number;
  target: string;
}

/**
 * Live views read a streaming standby. After a notification, `readable()` waits until the standby has replayed the
 * primary's WAL position taken after that change; every waiter shares one check (one primary query, then looks at the
 * standby with a backoff of 2 → 50 ms). A wait is bounded by `waitMs`: then that computation reads the primary, so a
 * lagging standby delays live values, never makes them stale. Until the next change, the reads that follow (the
 * computation's other queries, the other views) do not wait again: one look at the standby, then the primary. Each
 * fallback episode is logged once, when it begins and when the standby has caught up again.
 */
export class StandbyLiveDatabase implements LiveDatabase {
  /** Changes noted, and the last one the standby is known to hold. */
  private noted = 0;
  private replayed = 0;
  private checking: Promise<Check> | undefined;
  private fellBack: FellBack | undefined;
  /** Checks that fell back since the standby last held what was asked (0: not in an episode). */
  private fallbacksInEpisode = 0;

  constructor(private readonly options: StandbyLiveDatabaseOptions) {}

  get pool(): pg.Pool {
    return this.options.standby;
  }

  noteChange(): void {
    this.noted += 1;
  }

  async readable(): Promise<pg.Pool> {
    const wanted = this.noted;
    for (;;) {
      if (this.replayed >= wanted) return this.options.standby;
      // A check that started before this change took its WAL position too early: wait for it, then run the next.
      this.checking ??= this.check(this.fellBack?.covers === this.noted ? this.fellBack : undefined).finally(() => {
        this.checking = undefined;
      });
      const check = await this.checking;
      if (check.covers >= wanted) return check.pool;
    }
  }

  /** Waits for the standby's replay of what is noted now, or (`again`: nothing noted since a fallback) looks once. */
  private async check(again?: FellBack): Promise<Check> {
    const covers = this.noted;
    const deadline = Date.now() + (again ? 0 : this.options.waitMs);
    // The position is taken after the changes up to `covers` were noted, so it holds their commits. A primary that
    // cannot answer fails the computation, as it would without a standby.
    const target = again?.target ?? (await this.primaryLsn());
    let behind = Boolean(again);
    for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(2 * backoff, MAX_BACKOFF_MS)) {
      let caughtUp: boolean;
      try {
        caughtUp = await withDeadline(this.standbyHasReplayed(target), Math.max(deadline, Date.now() + MIN_LOOK_MS));
      } catch (error) {
        return this.fallBack({ covers, target }, again, error);
      }
      if (caughtUp) {
        this.replayed = Math.max(this.replayed, covers);
        this.fellBack = undefined;
        this.endEpisode();
        return { covers, pool: this.options.standby };
      }
      if (!behind) {
        behind = true;
        this.options.counters?.waits.inc();
      }
      const left = deadline - Date.now();
      if (left <= 0) return this.fallBack({ covers, target }, again);
      await delay(Math.min(backoff, left));
    }
  }

  private async primaryLsn(): Promise<string> {
    const { rows } = await this.options.primary.query<{ lsn: string }>({
      name: 'live-primary-lsn',
      text: PRIMARY_LSN_SQL,
    });
    return rows[0]!.lsn;
  }

  private async standbyHasReplayed(target: string): Promise<boolean> {
    const { rows } = await this.options.standby.query<{ replayed: boolean }>({
      name: 'live-standby-replayed',
      text: REPLAYED_SQL,
      values: [target],
    });
    return rows[0]!.replayed;
  }

  /** Reads of `fellBack.covers` go to the primary; a look `again` continues a fallback already counted. */
  private fallBack(fellBack: FellBack, again: FellBack | undefined, error?: unknown): Check {
    this.fellBack = fellBack;
    if (again) return { covers: fellBack.covers, pool: this.options.primary };
    this.options.counters?.fallbacks.inc();
    if (this.fallbacksInEpisode++ === 0) {
      this.options.log.warn(
        { err: error, waitMs: this.options.waitMs, primaryLsn: fellBack.target },
        error
          ? 'live views: the standby could not say what it has replayed; reading the primary until it can'
          : 'live views: the standby has not replayed a change within LIVE_REPLICA_WAIT_MS; reading the primary until it has',
      );
    }
    return { covers: fellBack.covers, pool: this.options.primary };
  }

  private endEpisode(): void {
    if (this.fallbacksInEpisode === 0) return;
    this.options.log.info(
      { fallbacks: this.fallbacksInEpisode },
      'live views: the standby has caught up; reading it again',
    );
    this.fallbacksInEpisode = 0;
  }
}

/** `promise`, or a rejection at `deadline`: a standby that stops answering must not hold live views past the bound. */
function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('the standby did not answer within LIVE_REPLICA_WAIT_MS')),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
