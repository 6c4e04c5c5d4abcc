import { dayPartitions, indexClosedDays, recordRetentionHorizons } from '@pmd/db';
import type pg from 'pg';
import { inTransaction } from './transaction.ts';

/** Partitions exist for the tick's UTC day and this many days after it, so the coming days' events never wait. */
const PARTITION_DAYS_AHEAD = 3;

/**
 * How long creating or dropping a day waits for raw_events. Both lock the whole table: DROP of a partition always does,
 * and a creation does so that no query plans without the day while its late events leave the default partition
 * (migration 20261203170000). Ingest queues behind a waiting lock, so past this the run gives up until the next one
 * instead of stalling ingest behind a long read (a report, a dump).
 */
const PARTITION_LOCK_TIMEOUT = '5s';

const DAY_MS = 86_400_000;

export interface PartitionRun {
  /** UTC days (YYYY-MM-DD) whose partition this run created. */
  created: string[];
  /** Late events moved from raw_events_default into the partition of their day. */
  moved: number;
  /** UTC days whose partition was dropped (before the raw-events horizon). */
  dropped: string[];
  /** Events (and their event_ids rows) gone with the dropped partitions. */
  droppedEvents: number;
  /** Partitions of closed days (and the default one) that got their (campaign_id, ts) index in this run. */
  indexed: string[];
}

const utcDay = (instant: Date) => instant.toISOString().slice(0, 10);

/**
 * Creates the partitions of the days ahead of `tick` and of every day with events waiting in the default partition
 * (moving them in), then, when `rawHorizon` is set, records it and, once the record has stood, drops the partitions
 * of the UTC days before it together with their `event_ids` rows, one day per transaction, and builds the
 * (campaign_id, ts) index of the days that closed (`indexClosedDays`).
 */
export async function maintainRawEventPartitions(
  client: pg.ClientBase,
  tick: Date,
  rawHorizon: Date | null,
): Promise<PartitionRun> {
  const run: PartitionRun = { created: [], moved: 0, dropped: [], droppedEvents: 0, indexed: [] };
  const waiting = await client.query<{ day: string }>(
    `SELECT DISTINCT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM raw_events_default`,
  );
  const ahead = Array.from({ length: PARTITION_DAYS_AHEAD + 1 }, (_, i) =>
    utcDay(new Date(tick.getTime() + i * DAY_MS)),
  );
  for (const day of [...new Set([...waiting.rows.map((row) => row.day), ...ahead])].sort()) {
    const moved = await inPartitionTransaction(client, async () => {
      const { rows } = await client.query<{ moved: string | null }>(
        'SELECT raw_events_create_partition($1::date) AS moved',
        [day],
      );
      return rows[0]!.moved;
    });
    if (moved === null) continue;
    run.created.push(day);
    run.moved += Number(moved);
  }
  // Recorded first, and dropped only once it has stood (a later run when it just moved): a server whose own settings
  // keep more days has stopped accepting events of these days, and counting on them, before they go.
  if (rawHorizon && (await recordRetentionHorizons(client, { rawEvents: rawHorizon })).rawEvents) {
    for (const { name, day } of await dayPartitions(client)) {
      if (day >= utcDay(rawHorizon)) continue;
      run.droppedEvents += await dropDay(client, name);
      run.dropped.push(day);
    }
  }
  // Last, so a day dropped above is not indexed, and a closed day created above for late events is.
  run.indexed = await indexClosedDays(client, tick);
  return run;
}

/** `work` in a transaction whose locks wait at most PARTITION_LOCK_TIMEOUT (creating and dropping days share it). */
function inPartitionTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  return inTransaction(client, async () => {
    await client.query(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`);
    return work();
  });
}

/** Drops one day's partition and its events' ids; returns how many events went. */
async function dropDay(client: pg.ClientBase, name: string): Promise<number> {
  const partition = client.escapeIdentifier(name);
  return inPartitionTransaction(client, async () => {
    // No event may reach the day between deleting its ids and dropping it (its id would stay, refused forever).
    await client.query(`LOCK TABLE ${partition} IN SHARE MODE`);
    const { rowCount } = await client.query(
      `DELETE FROM event_ids e USING ${partition} p WHERE e.event_id = p.event_id`,
    );
    await client.query(`DROP TABLE ${partition}`);
    return rowCount ?? 0;
  });
}
