import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_COST,
  MAX_REVENUE,
  parseIsoDateTime,
  parseIsoDateTimeByPattern,
  validateEvent,
} from './ingest-validation.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const EVENT = {
  event_id: 'e-1',
  ts: '2026-11-25T10:00:00.123456+00:00',
  user_id: 'user_00001',
  campaign_id: 'camp_google_brand',
  channel: 'google',
  event_type: 'ad_click',
  cost: 0.9,
};

function errorsOf(input: unknown) {
  const result = validateEvent(input, NOW);
  return result.ok ? [] : result.errors.map((error) => `${error.field}:${error.type}`);
}

describe('validateEvent', () => {
  it('accepts the original generator’s event and keeps the microseconds', () => {
    expect(validateEvent(EVENT, NOW)).toEqual({
      ok: true,
      event: {
        eventId: 'e-1',
        ts: '2026-11-25T10:00:00.123456Z',
        userId: 'user_00001',
        campaignId: 'camp_google_brand',
        channel: 'google',
        eventType: 'ad_click',
        cost: 0.9,
        revenue: 0,
      },
    });
  });

  it.each([
    ['2026-11-25T10:00:00', '2026-11-25T10:00:00.000000Z'],
    ['2026-11-25 10:00', '2026-11-25T10:00:00.000000Z'],
    ['2026-11-25T11:30:00.5+01:30', '2026-11-25T10:00:00.500000Z'],
    ['2026-11-25T05:00:00.000001-0500', '2026-11-25T10:00:00.000001Z'],
    ['2026-11-25T10:00:00.123456789Z', '2026-11-25T10:00:00.123456Z'],
  ])('reads ts %s as %s (no offset = UTC)', (ts, expected) => {
    const result = validateEvent({ ...EVENT, ts }, NOW);
    expect(result.ok && result.event.ts).toBe(expected);
  });

  it('takes ts as text only (both doors pass the raw string; a Date would have lost microseconds)', () => {
    const result = validateEvent({ ...EVENT, ts: new Date('2026-11-25T10:00:00.123Z') }, NOW);
    expect(result.ok ? [] : result.errors).toEqual([
      { field: 'ts', msg: 'Input should be a valid datetime string', type: 'datetime_type' },
    ]);
  });

  it('refuses cost: null (pydantic float = 0.0 refuses None) and reads an absent cost as 0', () => {
    expect(validateEvent({ ...EVENT, cost: null }, NOW)).toEqual({
      ok: false,
      errors: [{ field: 'cost', msg: 'Input should be a valid number', type: 'float_type' }],
    });
    const { cost: _, ...withoutCost } = EVENT;
    const absent = validateEvent(withoutCost, NOW);
    expect(absent.ok && absent.event.cost).toBe(0);
  });

  it('knows leap years', () => {
    const now = new Date('2028-03-01T00:00:00Z');
    expect(validateEvent({ ...EVENT, ts: '2028-02-29T10:00:00Z' }, now).ok).toBe(true);
    expect(validateEvent({ ...EVENT, ts: '2027-02-29T10:00:00Z' }, now).ok).toBe(false);
  });

  it.each(['2026-02-30T10:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25', 'yesterday', '2026-11-25T10:00:00+25:00', ''])(
    'rejects the malformed ts %j',
    (ts) => expect(errorsOf({ ...EVENT, ts })).toEqual(['ts:datetime_parsing']),
  );

  it('rejects ts more than 5 minutes ahead but accepts 4 minutes ahead', () => {
    expect(errorsOf({ ...EVENT, ts: '2026-11-25T12:05:01Z' })).toEqual(['ts:datetime_future']);
    expect(errorsOf({ ...EVENT, ts: '2026-11-25T12:04:00Z' })).toEqual([]);
  });

  it('rejects ts older than the 400-day retention', () => {
    expect(errorsOf({ ...EVENT, ts: '2025-10-20T12:00:00Z' })).toEqual(['ts:datetime_past']);
    expect(errorsOf({ ...EVENT, ts: '2025-10-22T12:00:00Z' })).toEqual([]);
  });

  it('rejects ts before the retention horizon, naming the instant and the setting', () => {
    const retention = { rawEventsDays: 7, minuteRowsDays: 10 };
    const refused = validateEvent({ ...EVENT, ts: '2026-11-17T23:59:59.999999Z' }, NOW, retention);
    expect(refused).toEqual({
      ok: false,
      errors: [
        {
          field: 'ts',
          msg: 'Input should not be older than 2026-11-18T00:00:00Z: raw events are kept 7 days (RAW_EVENTS_RETENTION_DAYS)',
          type: 'datetime_past',
        },
      ],
    });
    expect(validateEvent({ ...EVENT, ts: '2026-11-18T00:00:00Z' }, NOW, retention).ok).toBe(true);
    const trimmed = validateEvent({ ...EVENT, ts: '2026-11-23T12:00:00Z' }, NOW, { minuteRowsDays: 1 });
    expect(!trimmed.ok && trimmed.errors[0]!.msg).toBe(
      'Input should not be older than 2026-11-24T00:00:00Z: minute rows are kept 1 day (MINUTE_ROWS_RETENTION_DAYS)',
    );
  });

  it('defaults a missing cost to 0 and accepts integer costs and cost on any event type', () => {
    const result = validateEvent({ ...EVENT, cost: undefined, event_type: 'ad_impression' }, NOW);
    expect(result.ok && result.event.cost).toBe(0);
    expect(errorsOf({ ...EVENT, cost: 3, event_type: 'signup' })).toEqual([]);
  });

  it.each([
    [-0.01, 'cost:greater_than_equal'],
    [MAX_COST + 1, 'cost:less_than_equal'],
    [Number.POSITIVE_INFINITY, 'cost:finite_number'],
    [Number.NaN, 'cost:finite_number'],
    ['0.9', 'cost:float_type'],
    [null, 'cost:float_type'],
  ])('rejects cost %j', (cost, error) => expect(errorsOf({ ...EVENT, cost })).toEqual([error]));

  it('reads an absent revenue as 0 and accepts revenue on any event type, up to MAX_REVENUE', () => {
    const absent = validateEvent(EVENT, NOW);
    expect(absent.ok && absent.event.revenue).toBe(0);
    const activation = validateEvent({ ...EVENT, event_type: 'activation', revenue: 49.123456 }, NOW);
    expect(activation.ok && activation.event.revenue).toBe(49.123456);
    expect(errorsOf({ ...EVENT, event_type: 'ad_impression', revenue: MAX_REVENUE })).toEqual([]);
    expect(errorsOf({ ...EVENT, revenue: 0 })).toEqual([]);
  });

  it.each([
    [-0.01, 'revenue:greater_than_equal'],
    [MAX_REVENUE + 1, 'revenue:less_than_equal'],
    [Number.POSITIVE_INFINITY, 'revenue:finite_number'],
    [Number.NaN, 'revenue:finite_number'],
    ['12', 'revenue:float_type'],
    [null, 'revenue:float_type'],
  ])('rejects revenue %j', (revenue, error) => expect(errorsOf({ ...EVENT, revenue })).toEqual([error]));

  it('reports a bad cost and a bad revenue together', () => {
    expect(errorsOf({ ...EVENT, cost: -1, revenue: -1 })).toEqual([
      'cost:greater_than_equal',
      'revenue:greater_than_equal',
    ]);
  });

  it('checks every id: required, string, not blank, length, no control characters, valid Unicode', () => {
    expect(errorsOf({ ...EVENT, event_id: undefined })).toEqual(['event_id:missing']);
    expect(errorsOf({ ...EVENT, user_id: 7 })).toEqual(['user_id:string_type']);
    expect(errorsOf({ ...EVENT, campaign_id: '  ' })).toEqual(['campaign_id:string_too_short']);
    expect(errorsOf({ ...EVENT, campaign_id: 'x'.repeat(129) })).toEqual(['campaign_id:string_too_long']);
    expect(errorsOf({ ...EVENT, campaign_id: '😀'.repeat(128) })).toEqual([]);
    expect(errorsOf({ ...EVENT, channel: 'c'.repeat(65) })).toEqual(['channel:string_too_long']);
    expect(errorsOf({ ...EVENT, event_id: 'a\u0000b' })).toEqual(['event_id:string_pattern_mismatch']);
    expect(errorsOf({ ...EVENT, event_id: 'a\ud800b' })).toEqual(['event_id:string_unicode']);
  });

  it('accepts only the four original event types', () => {
    expect(errorsOf({ ...EVENT, event_type: 'click' })).toEqual(['event_type:literal_error']);
    expect(errorsOf({ ...EVENT, event_type: 'AD_CLICK' })).toEqual(['event_type:literal_error']);
  });

  it('reports every broken rule at once, and a non-object as a whole', () => {
    expect(errorsOf({})).toEqual([
      'event_id:missing',
      'user_id:missing',
      'campaign_id:missing',
      'channel:missing',
      'ts:missing',
      'event_type:missing',
    ]);
    expect(errorsOf([EVENT])).toEqual(['null:model_attributes_type']);
    expect(errorsOf(null)).toEqual(['null:model_attributes_type']);
  });
});

const instant = fc.date({
  min: new Date('0100-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});
// The canonical forms (toISOString's and Python's, with milli- or microseconds), then with one character changed: out of
// range fields (day 31 of a 30-day month, hour 24), other separators (`t`, `z`, `,`, a space), non-digits.
const canonical = fc.oneof(
  instant.map((date) => date.toISOString()),
  instant.map((date) => date.toISOString().replace('Z', '+00:00')),
  fc
    .tuple(instant, fc.integer({ min: 0, max: 999 }), fc.constantFrom('Z', '+00:00'))
    .map(([date, micros, zone]) => `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}${zone}`),
);
const edited = fc
  .tuple(canonical, fc.nat(), fc.constantFrom(...'0123456789-:.,TtZz x+'))
  .map(([text, at, char]) => text.slice(0, at % text.length) + char + text.slice((at % text.length) + 1));

describe('parseIsoDateTime', () => {
  it('reads the canonical forms, changed or not, as the general pattern does', () => {
    fc.assert(
      fc.property(fc.oneof(canonical, edited), (text) => {
        expect(parseIsoDateTime(text)).toEqual(parseIsoDateTimeByPattern(text));
      }),
      { numRuns: 50_000 },
    );
  });

  it('keeps microseconds as sent, pads milliseconds, and refuses a day the month does not have', () => {
    expect(parseIsoDateTime('2024-02-29T23:59:59.123456Z')).toEqual({
      epochMs: Date.UTC(2024, 1, 29, 23, 59, 59, 123),
      utcText: '2024-02-29T23:59:59.123456Z',
    });
    expect(parseIsoDateTime('2026-11-25T10:00:00.120Z')?.utcText).toBe('2026-11-25T10:00:00.120000Z');
    expect(parseIsoDateTime('2026-11-25T10:00:00.123456+00:00')?.utcText).toBe('2026-11-25T10:00:00.123456Z');
    expect(parseIsoDateTime('2026-02-29T10:00:00.000Z')).toBeNull();
    expect(parseIsoDateTime('2026-04-31T10:00:00.000000Z')).toBeNull();
  });
});
