import { storeEvents } from '@pmd/db';
import pg from 'pg';
import { toEventRow, type TestEvent } from './events.ts';

/**
 * Stores events with the ingest statement itself (`storeEvents`), in batches; no notification unless asked. Returns
 * how many were new (duplicates of stored ids are skipped, as ingest skips them).
 */
export async function storeTestEvents(
  db: pg.Pool | pg.ClientBase,
  events: readonly TestEvent[],
  { notify = false, batchSize = 5_000 }: { notify?: boolean; batchSize?: number } = {},
): Promise<number> {
  let stored = 0;
  for (let start = 0; start < events.length; start += batchSize) {
    const batch = events.slice(start, start + batchSize).map(toEventRow);
    stored += (await storeEvents(db, batch, { notify })).stored;
  }
  return stored;
}

/** A client on `databaseUrl` for the duration of `use`. */
export async function withClient<T>(databaseUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** raw_events as `TestEvent`s, `ts` in UTC with microseconds, ordered by event_id (compare with `expectedRow`). */
export async function storedEvents(databaseUrl: string, where = 'true'): Promise<TestEvent[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<TestEvent>(`
      SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, user_id, campaign_id,
             channel, event_type, cost::float8 AS cost, revenue::float8 AS revenue
      FROM raw_events WHERE ${where} ORDER BY event_id COLLATE "C"`);
    return rows;
  });
}

/** event_id → how many raw_events rows carry it (more than 1 would be a duplicate stored twice). */
export async function storedEventCounts(databaseUrl: string): Promise<Map<string, number>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM raw_events GROUP BY 1',
    );
    return new Map(rows.map((row) => [row.event_id, row.n]));
  });
}
