import type pg from 'pg';

/** As of when the read database's data is: what each response served from it says (`extensions`). */
export interface Freshness {
  /** The last commit the standby has replayed (ISO time), or the time of asking when it has replayed all it received. */
  dataAsOf: string;
  /** Seconds the standby's data is behind its primary: 0 when caught up (or when it is a primary itself). */
  replicationLagSeconds: number;
}

/**
 * How long one reading serves every request of the process: at most one freshness query per second, however many
 * requests there are. The reading is taken before a query runs, so the query's data is at least that fresh.
 */
const FRESHNESS_TTL_MS = 1_000;

/**
 * Reads the replay position of the read database. A caught-up standby with an idle primary has an old replay
 * timestamp but no lag: lag counts only while the standby holds WAL it has received and not yet replayed (the formula
 * of PostgreSQL's own monitoring advice). WAL not yet received cannot be seen from the standby.
 */
export class ReadFreshness {
  private reading: { at: number; freshness: Promise<Freshness> } | undefined;

  constructor(private readonly readPool: pg.Pool) {}

  current(): Promise<Freshness> {
    const now = Date.now();
    if (!this.reading || now - this.reading.at >= FRESHNESS_TTL_MS) {
      const freshness = this.query();
      // A failed reading is not cached: the next request asks again.
      freshness.catch(() => {
        if (this.reading?.freshness === freshness) this.reading = undefined;
      });
      this.reading = { at: now, freshness };
    }
    return this.reading.freshness;
  }

  private async query(): Promise<Freshness> {
    const { rows } = await this.readPool.query<{ data_as_of: Date; lag_seconds: number }>(`
      SELECT CASE WHEN caught_up THEN now() ELSE pg_last_xact_replay_timestamp() END AS data_as_of,
             CASE WHEN caught_up THEN 0
                  ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8 END AS lag_seconds
      FROM (SELECT NOT pg_is_in_recovery()
                   OR pg_last_xact_replay_timestamp() IS NULL
                   OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up) AS state`);
    const row = rows[0]!;
    return { dataAsOf: row.data_as_of.toISOString(), replicationLagSeconds: row.lag_seconds };
  }
}
