import { describe, expect, it } from 'vitest';
import { RETENTION_DAYS } from './limits.ts';
import {
  acceptanceLimit,
  minuteRowsHorizon,
  oldestAcceptedEvent,
  oldestRewritableInstant,
  rawEventsHorizon,
} from './retention.ts';

const now = new Date('2026-12-02T18:30:15.250Z');

describe('retention horizons', () => {
  it('keep everything when unset', () => {
    expect(rawEventsHorizon(now, {})).toBeNull();
    expect(minuteRowsHorizon(now, {})).toBeNull();
    expect(oldestAcceptedEvent(now, {})).toEqual(new Date(now.getTime() - RETENTION_DAYS * 86_400_000));
  });

  it('are UTC midnights whole days before today', () => {
    expect(rawEventsHorizon(now, { rawEventsDays: 7 })).toEqual(new Date('2026-11-25T00:00:00Z'));
    expect(minuteRowsHorizon(now, { minuteRowsDays: 1 })).toEqual(new Date('2026-12-01T00:00:00Z'));
  });

  it('ingest accepts nothing before the raw horizon, nor past the fixed bound', () => {
    expect(oldestAcceptedEvent(now, { rawEventsDays: 3 })).toEqual(new Date('2026-11-29T00:00:00Z'));
    expect(oldestAcceptedEvent(now, { rawEventsDays: RETENTION_DAYS })).toEqual(
      new Date(now.getTime() - RETENTION_DAYS * 86_400_000),
    );
  });

  it('ingest accepts nothing before the minute horizon either: trimmed hours cannot be recomputed', () => {
    expect(oldestAcceptedEvent(now, { rawEventsDays: 7, minuteRowsDays: 2 })).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(acceptanceLimit(now, { rawEventsDays: 7, minuteRowsDays: 2 }).because).toBe(
      'minute rows are kept 2 days (MINUTE_ROWS_RETENTION_DAYS)',
    );
    expect(acceptanceLimit(now, { rawEventsDays: 7 }).because).toBe(
      'raw events are kept 7 days (RAW_EVENTS_RETENTION_DAYS)',
    );
    expect(oldestRewritableInstant(now, {})).toBeNull();
    expect(oldestRewritableInstant(now, { minuteRowsDays: 30, rawEventsDays: 7 })).toEqual(
      new Date('2026-11-25T00:00:00Z'),
    );
  });

  it("the worker's removals move the horizons when they are later than the settings' own, and only then", () => {
    const removedBefore = { rawEvents: new Date('2026-11-30T00:00:00Z'), minuteRows: new Date('2026-11-20T00:00:00Z') };
    // A server keeping everything, beside a worker that dropped raw events and trimmed minute rows.
    expect(rawEventsHorizon(now, { removedBefore })).toEqual(removedBefore.rawEvents);
    expect(minuteRowsHorizon(now, { removedBefore })).toEqual(removedBefore.minuteRows);
    expect(oldestRewritableInstant(now, { removedBefore })).toEqual(removedBefore.rawEvents);
    expect(acceptanceLimit(now, { removedBefore })).toEqual({
      oldest: removedBefore.rawEvents,
      because:
        "the worker has dropped raw events before then (its RAW_EVENTS_RETENTION_DAYS keeps fewer days than the server's)",
    });
    // The server's own days are later: they decide, and the reason keeps naming them.
    expect(rawEventsHorizon(now, { rawEventsDays: 1, removedBefore })).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(acceptanceLimit(now, { rawEventsDays: 2, removedBefore }).because).toBe(
      'raw events are kept 2 days (RAW_EVENTS_RETENTION_DAYS)',
    );
    // A tie (the same settings in both processes) names the server's own setting too.
    expect(
      acceptanceLimit(now, {
        rawEventsDays: 2,
        removedBefore: { rawEvents: new Date('2026-11-30T00:00:00Z'), minuteRows: null },
      }).because,
    ).toBe('raw events are kept 2 days (RAW_EVENTS_RETENTION_DAYS)');
    expect(
      acceptanceLimit(now, {
        rawEventsDays: 7,
        removedBefore: { rawEvents: null, minuteRows: new Date('2026-12-01T00:00:00Z') },
      }),
    ).toEqual({
      oldest: new Date('2026-12-01T00:00:00Z'),
      because:
        "the worker has trimmed minute rows before then (its MINUTE_ROWS_RETENTION_DAYS keeps fewer days than the server's)",
    });
  });
});
