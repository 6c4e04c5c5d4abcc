import type pg from 'pg';

/**
 * The day partitions' names, as raw_events_create_partition makes them (migration 20261202200000; its replacement in
 * 20261203170000 keeps them).
 */
const DAY_PARTITION_NAME = /^raw_events_p(\d{4})(\d{2})(\d{2})$/;

/**
 * Days whose partition is still written: the UTC day of `now` and the one before it, which takes most late events.
 * raw_events' (campaign_id, ts) index is built on a day's partition only once the day is older (migration
 * 20261204120000): maintaining it cost every ingested event a B-tree insert, one sorted build costs far less.
 */
const OPEN_DAYS = 2;

/** The name of a partition's (campaign_id, ts) index, as PostgreSQL named the partitioned index's copies. */
const campaignIndexName = (partition: string) => `${partition}_campaign_id_ts_idx`;

const DAY_MS = 86_400_000;

/** Every day partition of raw_events with its UTC day (YYYY-MM-DD), oldest first. */
export async function dayPartitions(client: pg.ClientBase): Promise<{ name: string; day: string }[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'raw_events'::regclass ORDER BY 1`,
  );
  return rows.flatMap(({ name }) => {
    const match = DAY_PARTITION_NAME.exec(name);
    return match ? [{ name, day: `${match[1]}-${match[2]}-${match[3]}` }] : [];
  });
}

/**
 * Builds the (campaign_id, ts) index on every partition that should have it and has no valid one: the days before
 * the OPEN_DAYS ending at `now`'s UTC day, and the default partition (late events of days without a partition: rarely
 * written, and read by campaign like any closed day). CONCURRENTLY, so ingest of late events into the day goes on
 * while it builds; a build that failed or was killed leaves an invalid index, which is dropped and built again.
 * No lock timeout: the build's lock (SHARE UPDATE EXCLUSIVE on the one partition) does not stop inserts, so waiting for
 * a long read or a dump to end holds up only this task, while a timeout would leave an invalid index to build again
 * every minute. Must run outside a transaction. Returns the partitions indexed.
 */
export async function indexClosedDays(client: pg.ClientBase, now: Date): Promise<string[]> {
  const firstOpenDay = new Date((Math.floor(now.getTime() / DAY_MS) - (OPEN_DAYS - 1)) * DAY_MS)
    .toISOString()
    .slice(0, 10);
  const closed = (await dayPartitions(client)).filter(({ day }) => day < firstOpenDay).map(({ name }) => name);
  const partitions = ['raw_events_default', ...closed];
  const { rows: valid } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
     WHERE c.relname = ANY($1::text[]) AND x.indisvalid`,
    [partitions.map(campaignIndexName)],
  );
  const indexed = new Set(valid.map((row) => row.name));
  const built: string[] = [];
  for (const partition of partitions) {
    if (indexed.has(campaignIndexName(partition))) continue;
    const index = client.escapeIdentifier(campaignIndexName(partition));
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
    await client.query(`CREATE INDEX CONCURRENTLY ${index} ON ${client.escapeIdentifier(partition)} (campaign_id, ts)`);
    built.push(partition);
  }
  return built;
}
