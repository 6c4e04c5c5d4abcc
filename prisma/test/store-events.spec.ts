import { NOTIFY_CHANNELS } from '@pmd/domain';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storeEvents, storeEventsAssumingNewIds, type EventRow } from '../src/store-events.ts';
import { useTestDatabase } from '../src/testing.ts';

const event = (eventId: string, ts: EventRow['ts'], extra: Partial<EventRow> = {}): EventRow => ({
  eventId,
  ts,
  userId: 'u1',
  campaignId: 'camp_a',
  channel: 'google',
  eventType: 'ad_impression',
  cost: 0,
  ...extra,
});

/** raw_events as text, exactly as PostgreSQL holds it (instants in UTC with all six fraction digits). */
const RAW_ROWS_SQL = `
  SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, user_id, campaign_id, channel,
         event_type, cost::text AS cost, revenue::text AS revenue
  FROM raw_events ORDER BY event_id`;

describe('storeEvents (the ingest statement)', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  beforeEach(() =>
    pool.query('TRUNCATE raw_events, event_ids, campaign_metrics_minute, rollup_dirty_hours, campaigns CASCADE'),
  );
  afterAll(() => pool.end());

  const storedIds = async () =>
    (await pool.query<{ event_id: string }>('SELECT event_id FROM raw_events ORDER BY 1')).rows.map((r) => r.event_id);

  it('stores every value exactly as sent: text, microsecond instants, money to the micro-unit, absent revenue as 0', async () => {
    const events: EventRow[] = [
      event('a-plain', '2026-07-08T12:00:00.123456Z', { cost: 1234.567891, revenue: 123456789.123456 }),
      // Text that means something to JSON or SQL, non-BMP characters, and an id at the length limit.
      event('b-"quoted" \\back\\slash\\u0041 \'single\'', '2026-07-08T12:00:00.000001Z', {
        userId: 'ünïcödé 👩‍💻 用户',
        campaignId: 'camp_{"json":[1,2]}',
        channel: 'chan,nel;--',
        eventType: 'ad_click',
        cost: 0.000001,
      }),
      event(`c-${'x'.repeat(126)}`, '2026-07-08T17:30:00.999999+05:30', { eventType: 'signup', cost: '12.345678' }),
      // A Date (milliseconds), and amounts JSON writes in exponent form or with more than six decimals.
      event('d-date', new Date('2026-07-08T12:00:00.789Z'), { eventType: 'activation', cost: 5e-7, revenue: 1e-7 }),
      event('e-round', '2026-07-08T23:59:59.999999Z', { cost: 0.1234565, revenue: 999_999_999.999999 }),
      // Text an array literal would read as NULL or trim, had it not been quoted.
      event('f-zero', '2026-07-08T00:00:00Z', { cost: 0, revenue: 0, userId: 'NULL', channel: ' spaced ' }),
    ];
    expect((await storeEvents(pool, events, { notify: false })).stored).toBe(6);
    expect((await pool.query(RAW_ROWS_SQL)).rows).toEqual([
      {
        event_id: 'a-plain',
        ts: '2026-07-08T12:00:00.123456Z',
        user_id: 'u1',
        campaign_id: 'camp_a',
        channel: 'google',
        event_type: 'ad_impression',
        cost: '1234.567891',
        revenue: '123456789.123456',
      },
      {
        event_id: 'b-"quoted" \\back\\slash\\u0041 \'single\'',
        ts: '2026-07-08T12:00:00.000001Z',
        user_id: 'ünïcödé 👩‍💻 用户',
        campaign_id: 'camp_{"json":[1,2]}',
        channel: 'chan,nel;--',
        event_type: 'ad_click',
        cost: '0.000001',
        revenue: '0.000000',
      },
      {
        event_id: `c-${'x'.repeat(126)}`,
        ts: '2026-07-08T12:00:00.999999Z',
        user_id: 'u1',
        campaign_id: 'camp_a',
        channel: 'google',
        event_type: 'signup',
        cost: '12.345678',
        revenue: '0.000000',
      },
      {
        event_id: 'd-date',
        ts: '2026-07-08T12:00:00.789000Z',
        user_id: 'u1',
        campaign_id: 'camp_a',
        channel: 'google',
        event_type: 'activation',
        cost: '0.000001',
        revenue: '0.000000',
      },
      {
        event_id: 'e-round',
        ts: '2026-07-08T23:59:59.999999Z',
        user_id: 'u1',
        campaign_id: 'camp_a',
        channel: 'google',
        event_type: 'ad_impression',
        cost: '0.123457',
        revenue: '999999999.999999',
      },
      {
        event_id: 'f-zero',
        ts: '2026-07-08T00:00:00.000000Z',
        user_id: 'NULL',
        campaign_id: 'camp_a',
        channel: ' spaced ',
        event_type: 'ad_impression',
        cost: '0.000000',
        revenue: '0.000000',
      },
    ]);
    // The minute rows hold exactly the raw rows' sums (brute force over raw_events, per campaign, channel, minute).
    const { rows: mismatches } = await pool.query(`
      WITH raw AS (
        SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC') AS minute,
               count(*) FILTER (WHERE event_type = 'ad_impression') AS impressions,
               count(*) FILTER (WHERE event_type = 'ad_click') AS clicks,
               count(*) FILTER (WHERE event_type = 'signup') AS signups,
               count(*) FILTER (WHERE event_type = 'activation') AS activations,
               coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0) AS cost,
               sum(cost) AS total_cost, sum(revenue) AS revenue
        FROM raw_events GROUP BY 1, 2, 3
      )
      SELECT * FROM raw FULL JOIN campaign_metrics_minute m USING (campaign_id, channel, minute)
      WHERE (raw.impressions, raw.clicks, raw.signups, raw.activations, raw.cost, raw.total_cost, raw.revenue)
            IS DISTINCT FROM (m.impressions, m.clicks, m.signups, m.activations, m.cost, m.total_cost, m.revenue)`);
    expect(mismatches).toEqual([]);
  });

  it('stores the first copy of an id repeated within a batch, and counts the others as duplicates', async () => {
    const batch = [
      event('dup', '2026-07-08T12:00:00Z', { cost: 1 }),
      event('solo', '2026-07-08T12:00:01Z'),
      event('dup', '2026-07-08T12:00:02Z', { cost: 2 }),
      event('dup', '2026-07-09T12:00:00Z', { cost: 3 }),
    ];
    expect(await storeEvents(pool, batch, { notify: false, withIds: true })).toEqual({
      stored: 2,
      eventIds: expect.arrayContaining(['dup', 'solo']),
    });
    const { rows } = await pool.query(`SELECT event_id, cost::text FROM raw_events ORDER BY 1`);
    expect(rows).toEqual([
      { event_id: 'dup', cost: '1.000000' },
      { event_id: 'solo', cost: '0.000000' },
    ]);
  });

  it('stores a partial batch: only the ids not stored before, on the same day or another', async () => {
    await storeEvents(pool, [event('old-1', '2026-07-08T12:00:00Z'), event('old-2', '2026-07-08T12:00:00Z')], {
      notify: false,
    });
    const batch = [
      event('new-1', '2026-07-08T12:00:00Z'),
      event('old-1', '2026-07-08T12:00:00Z'), // same day
      event('old-2', '2026-07-10T12:00:00Z'), // another day: event_ids still refuses it
      event('new-2', '2026-07-10T12:00:00Z'),
    ];
    const result = await storeEvents(pool, batch, { notify: false, withIds: true });
    expect(result.stored).toBe(2);
    expect([...result.eventIds!].sort()).toEqual(['new-1', 'new-2']);
    expect(await storedIds()).toEqual(['new-1', 'new-2', 'old-1', 'old-2']);
    // Resent whole: nothing new, so no id to list.
    expect(await storeEvents(pool, batch, { notify: false, withIds: true })).toEqual({ stored: 0, eventIds: null });
    const minutes = await pool.query<{ impressions: string }>(
      'SELECT sum(impressions)::text AS impressions FROM campaign_metrics_minute',
    );
    expect(minutes.rows[0]!.impressions).toBe('4');
  });

  it('returns no id list when every event was stored, even when asked (the caller credits every request whole)', async () => {
    const batch = [event('x-1', '2026-07-08T12:00:00Z'), event('x-2', '2026-07-08T12:00:00Z')];
    expect(await storeEvents(pool, batch, { notify: false, withIds: true })).toEqual({ stored: 2, eventIds: null });
    expect(await storeEvents(pool, [event('x-3', '2026-07-08T12:00:00Z')], { notify: false })).toEqual({
      stored: 1,
      eventIds: null,
    });
  });

  it('notifies the batch as before: count, campaigns, and the instants with microseconds', async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const payloads: unknown[] = [];
      listener.on('notification', (message) => payloads.push(JSON.parse(message.payload!)));
      await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
      await storeEvents(pool, [
        event('n-1', '2026-07-08T12:00:00.000123Z', { campaignId: 'camp_b' }),
        event('n-2', '2026-07-08T12:05:00.654321Z'),
      ]);
      await storeEvents(pool, [event('n-1', '2026-07-08T12:00:00Z')]); // nothing stored: no notification
      await listener.query('SELECT 1'); // notifications sent before this round trip have arrived
      expect(payloads).toEqual([
        {
          stored: 2,
          campaignIds: ['camp_a', 'camp_b'],
          truncated: false,
          minTs: '2026-07-08T12:00:00.000123Z',
          maxTs: '2026-07-08T12:05:00.654321Z',
        },
      ]);
    } finally {
      await listener.end();
    }
  });

  describe("storeEventsAssumingNewIds (the ingest writer's statement)", () => {
    const impressions = async () =>
      (await pool.query<{ n: string }>('SELECT coalesce(sum(impressions), 0)::text AS n FROM campaign_metrics_minute'))
        .rows[0]!.n;

    it('takes one statement when every id is new, an id repeated within the batch included', async () => {
      const batch = [
        event('a', '2026-07-08T12:00:00Z'),
        event('b', '2026-07-08T12:00:00Z'),
        event('a', '2026-07-08T12:00:01Z'),
      ];
      expect(await storeEventsAssumingNewIds(pool, batch, { notify: false, withIds: true })).toEqual({
        stored: 2,
        eventIds: expect.arrayContaining(['a', 'b']),
        fellBack: false,
      });
      expect(await storedIds()).toEqual(['a', 'b']);
      expect(await impressions()).toBe('2');
    });

    it('with a known id, stores nothing in its first statement and the new ids in the second: one notification', async () => {
      await storeEvents(pool, [event('old', '2026-07-08T12:00:00Z')], { notify: false });
      const listener = new pg.Client({ connectionString: database.url });
      await listener.connect();
      try {
        const stored: number[] = [];
        listener.on('notification', (message) => stored.push(JSON.parse(message.payload!).stored));
        await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
        const batch = [
          event('new-1', '2026-07-08T12:00:00Z'),
          event('old', '2026-07-09T12:00:00Z'), // another day: still known
          event('new-2', '2026-07-08T12:00:00Z'),
        ];
        const result = await storeEventsAssumingNewIds(pool, batch, { withIds: true });
        expect(result).toMatchObject({ stored: 2, fellBack: true });
        expect([...result.eventIds!].sort()).toEqual(['new-1', 'new-2']);
        await listener.query('SELECT 1'); // notifications sent before this round trip have arrived
        expect(stored).toEqual([2]);
      } finally {
        await listener.end();
      }
      expect(await storedIds()).toEqual(['new-1', 'new-2', 'old']);
      expect(await impressions()).toBe('3');
    });

    it('two at once sharing new ids: each id is stored once, by whichever commits first', async () => {
      const ids = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) =>
          event(`s-${String(from + i).padStart(3, '0')}`, '2026-07-08T12:00:00Z'),
        );
      const [first, second] = await Promise.all([
        storeEventsAssumingNewIds(pool, ids(0, 150), { notify: false }),
        storeEventsAssumingNewIds(pool, ids(100, 250), { notify: false }),
      ]);
      expect(first.stored + second.stored).toBe(250);
      expect(first.fellBack || second.fellBack).toBe(true);
      expect(await storedIds()).toEqual(ids(0, 250).map((e) => e.eventId));
      expect(await impressions()).toBe('250');
    });

    it('passes any other failure on, storing nothing', async () => {
      // NUMERIC(18,6) cannot hold this cost.
      const batch = [event('fine', '2026-07-08T12:00:00Z'), event('overflow', '2026-07-08T12:00:00Z', { cost: 1e15 })];
      await expect(storeEventsAssumingNewIds(pool, batch, { notify: false })).rejects.toThrow(/numeric field overflow/);
      expect(await storedIds()).toEqual([]);
    });
  });
});
