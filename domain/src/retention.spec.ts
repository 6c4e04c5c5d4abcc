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
});
