import { NOTIFY_CHANNELS, type EventsIngestedPayload } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { minuteRollupMismatches, restEvent, storedEvents } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent, type ValidEvent } from '../src/services/ingest-validation.ts';
import { IngestWriter } from '../src/services/ingest-writer.ts';

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
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
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

  it('credits every request of a merged statement all of its events when none is a duplicate', async () => {
    const writer = new IngestWriter(pool);
    // The first starts a statement at once; the next two queue behind it and go together in the second statement.
    const credited = await Promise.all([
      writer.store(validEvents('whole', 0, 100)),
      writer.store(validEvents('whole', 100, 160)),
      writer.store(validEvents('whole', 160, 200)),
    ]);
    expect(credited).toEqual([100, 60, 40]);
    expect(await statements()).toEqual([100, 100]);
    expect(await storedEvents(database.url, "event_id LIKE 'whole-%'")).toHaveLength(200);
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });

  it('with duplicates in a merged statement, credits each request only the first copies that are its own', async () => {
    const writer = new IngestWriter(pool);
    const credited = await Promise.all([
      writer.store(validEvents('dup', 0, 50)),
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
    const writer = new IngestWriter(pool);
    // NUMERIC(18,6) cannot hold this cost: the validator would refuse it, the database refuses the whole statement.
    const overflowing = { ...validEvents('fail', 0, 1)[0]!, cost: 1e15 };
    const first = writer.store(validEvents('fail', 100, 110));
    const merged = [writer.store(validEvents('fail', 1, 10)), writer.store([overflowing])];
    expect(await first).toBe(10);
    for (const request of merged) await expect(request).rejects.toThrow(/numeric field overflow/);
    expect(await writer.store(validEvents('fail', 1, 10))).toBe(9);
    expect(await statements()).toEqual([10, 9]);
  });
});
