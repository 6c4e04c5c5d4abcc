import { NOTIFY_CHANNELS, type EventsIngestedPayload } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { minuteRollupMismatches, restEvent, storedEvents } from '@pmd/testkit';
import pg from 'pg';
// The end of this turn of the event loop, when the writer starts the statements of the requests stored in it.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE, validateEvent, type ValidEvent } from '../src/services/ingest-validation.ts';
import { EVENTS_FOR_ANOTHER_STATEMENT, IngestWriter, SKIP_KNOWN_IDS_MS } from '../src/services/ingest-writer.ts';

/** Events `${prefix}-${from}` … `${prefix}-${to - 1}`, validated as the ingest service hands them to the writer. */
function validEvents(prefix: string, from: number, to: number): ValidEvent[] {
  const now = new Date();
  return Array.from({ length: to - from }, (_, i) => {
    const result = validateEvent(restEvent(from + i, prefix), now);
    if (!result.ok) throw new Error(`test event ${from + i} is invalid: ${JSON.stringify(result.errors)}`);
    return result.event;
  });
}

describe('IngestWriter (group commit)', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let listener: pg.Client;
  const notified: EventsIngestedPayload[] = [];
  beforeAll(async () => {
    // Room for three statements beside the connection that holds event_ids locked: more than the caps tested here.
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (note) => notified.push(JSON.parse(note.payload!)));
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
  });
  afterAll(async () => {
    await listener.end();
    await pool.end();
  });
  /** The stored counts of the statements that ran since the last call. */
  const statements = async () => {
    await listener.query('SELECT 1'); // notifications of committed statements have arrived
    return notified.splice(0).map((note) => note.stored);
  };

  /** Stores `events` in a turn of their own, so their statement has started before anything else is stored. */
  const storedAlone = async (writer: IngestWriter, events: ValidEvent[]) => {
    const credited = writer.store(events);
    await nextTurn();
    return { credited };
  };

  it('puts the requests stored in one turn of the event loop into one statement, even with a slot free', async () => {
    const writer = new IngestWriter(pool);
    const credited = await Promise.all([
      writer.store(validEvents('turn', 0, 100)),
      writer.store(validEvents('turn', 100, 160)),
      writer.store(validEvents('turn', 160, 200)),
    ]);
    expect(credited).toEqual([100, 60, 40]);
    expect(await statements()).toEqual([200]);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  // The grouping tests run one statement at a time, so which requests share a statement is certain.
  it('credits every request of a merged statement all of its events when none is a duplicate', async () => {
    const writer = new IngestWriter(pool, 1);
    // The first starts a statement at the end of its turn; the next two queue behind it and go together in the second.
    const first = await storedAlone(writer, validEvents('whole', 0, 100));
    const credited = await Promise.all([
      first.credited,
      writer.store(validEvents('whole', 100, 160)),
      writer.store(validEvents('whole', 160, 200)),
    ]);
    expect(credited).toEqual([100, 60, 40]);
    expect(await statements()).toEqual([100, 100]);
    expect(await storedEvents(database.url, "event_id LIKE 'whole-%'")).toHaveLength(200);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  it('with duplicates in a merged statement, credits each request only the first copies that are its own', async () => {
    const writer = new IngestWriter(pool, 1);
    const first = await storedAlone(writer, validEvents('dup', 0, 50));
    const credited = await Promise.all([
      first.credited,
      // 60..64 twice within itself; 65..69 shared with the next request, which comes later.
      writer.store([...validEvents('dup', 50, 70), ...validEvents('dup', 60, 65)]),
      // 0..9 stored by the first statement, 65..69 the previous request's, 70..79 new.
      writer.store([...validEvents('dup', 0, 10), ...validEvents('dup', 65, 80)]),
    ]);
    expect(credited).toEqual([50, 20, 10]);
    expect(await statements()).toEqual([50, 30]);
    expect(await storedEvents(database.url, "event_id LIKE 'dup-%'")).toHaveLength(80);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  it('rejects every request a failing statement carried, and keeps writing the ones after it', async () => {
    const writer = new IngestWriter(pool, 1);
    // NUMERIC(18,6) cannot hold this cost: the validator would refuse it, the database refuses the whole statement.
    const overflowing = { ...validEvents('fail', 0, 1)[0]!, cost: 1e15 };
    const first = await storedAlone(writer, validEvents('fail', 100, 110));
    const merged = [writer.store(validEvents('fail', 1, 10)), writer.store([overflowing])];
    expect(await first.credited).toBe(10);
    for (const request of merged) await expect(request).rejects.toThrow(/numeric field overflow/);
    expect(await writer.store(validEvents('fail', 1, 10))).toBe(9);
    expect(await statements()).toEqual([10, 9]);
  });

  it(`after a known id, skips known ids for ${SKIP_KNOWN_IDS_MS / 1000} s, crediting each request as before`, async () => {
    const writer = new IngestWriter(pool);
    expect(await writer.store(validEvents('known', 0, 20))).toBe(20);
    expect(writer.skippingKnownIds).toBe(false);
    expect(await writer.store(validEvents('known', 10, 30))).toBe(10);
    expect(writer.skippingKnownIds).toBe(true);
    expect(await statements()).toEqual([20, 10]);
    expect(await storedEvents(database.url, "event_id LIKE 'known-%'")).toHaveLength(30);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  /**
   * How many ingest statements are running now, read through the listener: outside any transaction, so each read is a
   * fresh look at pg_stat_activity (a transaction keeps its first one).
   */
  const runningIngestStatements = async () =>
    (
      await listener.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND query LIKE '%INSERT INTO event_ids%'
           AND pid <> pg_backend_pid()`,
      )
    ).rows[0]!.n;

  /**
   * Calls `during` while event_ids is locked, which stops every ingest statement at its first insert (where
   * pg_stat_activity shows how many are running), then unlocks. What `during` starts must come back wrapped: a promise
   * of stored events returned bare would be awaited under the lock.
   */
  const whileEventIdsLocked = async <T extends object>(during: () => Promise<T>): Promise<T> => {
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE event_ids IN EXCLUSIVE MODE');
      return await during();
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
  };

  it('starts a statement per free slot when the requests of one turn do not fit in one', async () => {
    const writer = new IngestWriter(pool);
    // Two halves and one more event are more than a statement takes: two groups, both started in the same turn.
    const half = MAX_BATCH_SIZE / 2 + 1;
    const { credited } = await whileEventIdsLocked(async () => {
      const credited = Promise.all([
        writer.store(validEvents('big', 0, half)),
        writer.store(validEvents('big', half, 2 * half)),
      ]);
      await expect.poll(runningIngestStatements).toBe(2);
      return { credited };
    });
    expect(await credited).toEqual([half, half]);
    expect(await statements()).toEqual([half, half]);
  });

  it('runs as many statements at once as its cap, the next request waiting for either; overlapping ids are stored and credited once', async () => {
    const writer = new IngestWriter(pool, 2);
    const { credited } = await whileEventIdsLocked(async () => {
      // One request per turn, so each may start a statement of its own (each is enough events for one beside another).
      const first = await storedAlone(writer, validEvents('two', 0, EVENTS_FOR_ANOTHER_STATEMENT));
      const second = await storedAlone(writer, validEvents('two', 50, 50 + EVENTS_FOR_ANOTHER_STATEMENT));
      const third = validEvents('two', 50 + EVENTS_FOR_ANOTHER_STATEMENT, 65 + EVENTS_FOR_ANOTHER_STATEMENT);
      const credited = Promise.all([first.credited, second.credited, writer.store(third)]);
      await expect.poll(runningIngestStatements).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await runningIngestStatements()).toBe(2);
      return { credited };
    });
    const [first, second, third] = await credited;
    // Which of the first two got the 50 ids they share depends on which took the lock first; they stored them once.
    expect(first! + second!).toBe(50 + EVENTS_FOR_ANOTHER_STATEMENT);
    expect([first, second]).toContain(EVENTS_FOR_ANOTHER_STATEMENT);
    expect(third).toBe(15);
    expect((await statements()).sort((a, b) => a - b)).toEqual([15, 50, EVENTS_FOR_ANOTHER_STATEMENT]);
    expect(await storedEvents(database.url, "event_id LIKE 'two-%'")).toHaveLength(65 + EVENTS_FOR_ANOTHER_STATEMENT);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  it(`starts a statement beside a running one only for ${EVENTS_FOR_ANOTHER_STATEMENT} waiting events; fewer wait for the next`, async () => {
    const writer = new IngestWriter(pool);
    const small = EVENTS_FOR_ANOTHER_STATEMENT / 2 - 1;
    const { credited } = await whileEventIdsLocked(async () => {
      const first = await storedAlone(writer, validEvents('beside', 0, 10));
      await expect.poll(runningIngestStatements).toBe(1);
      // Two turns of small requests: together one event short of the threshold, so no statement starts beside.
      const waiting = [await storedAlone(writer, validEvents('beside', 10, 10 + small))];
      waiting.push(await storedAlone(writer, validEvents('beside', 10 + small, 10 + 2 * small)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await runningIngestStatements()).toBe(1);
      // Two more events reach it: the three waiting requests go together in a statement beside the first.
      waiting.push(await storedAlone(writer, validEvents('beside', 10 + 2 * small, 12 + 2 * small)));
      await expect.poll(runningIngestStatements).toBe(2);
      return { credited: Promise.all([first.credited, ...waiting.map((request) => request.credited)]) };
    });
    expect(await credited).toEqual([10, small, small, 2]);
    expect((await statements()).sort((a, b) => a - b)).toEqual([10, 2 + 2 * small]);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });
});
