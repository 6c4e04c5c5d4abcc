import { describe, expect, it } from 'vitest';
import {
  comparisonLabel,
  comparisonQuery,
  fromKpiDelta,
  fromLocalInput,
  parseComparisonQuery,
  toLocalInput,
  toComparisonInput,
  toComparisonQuery,
} from './comparison.ts';

describe('comparison in the URL', () => {
  it('defaults to the previous period and writes nothing for it', () => {
    const state = parseComparisonQuery({ range: '1h' });
    expect(state).toEqual({ kind: 'previous' });
    expect(toComparisonQuery(state)).toEqual({});
    expect(toComparisonInput(state)).toEqual({ kind: 'PREVIOUS_PERIOD' });
  });

  it('reads and writes the same period last week and a custom range', () => {
    expect(toComparisonInput(parseComparisonQuery({ compare: 'lastWeek' }))).toEqual({ kind: 'SAME_PERIOD_LAST_WEEK' });
    const query = { compare: 'custom', compareFrom: '2026-03-01T00:00:00Z', compareTo: '2026-03-08T00:00:00Z' };
    const state = parseComparisonQuery(query);
    expect(toComparisonInput(state)).toEqual({
      kind: 'CUSTOM',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-08T00:00:00.000Z',
    });
    expect(toComparisonQuery(state)).toEqual({
      ...query,
      compareFrom: '2026-03-01T00:00:00.000Z',
      compareTo: '2026-03-08T00:00:00.000Z',
    });
  });

  it('falls back to the previous period for a reversed, over-long or unknown comparison', () => {
    for (const query of [
      { compare: 'custom', compareFrom: '2026-03-08T00:00:00Z', compareTo: '2026-03-01T00:00:00Z' },
      { compare: 'custom', compareFrom: '2025-01-01T00:00:00Z', compareTo: '2026-03-01T00:00:00Z' },
      { compare: 'custom', compareFrom: 'soon' },
      { compare: 'lastYear' },
    ]) {
      expect(parseComparisonQuery(query), JSON.stringify(query)).toEqual({ kind: 'previous' });
    }
  });

  it('picks its own keys out of a query', () => {
    expect(comparisonQuery({ range: '1h', compare: 'lastWeek', channel: ['x'] })).toEqual({ compare: 'lastWeek' });
  });
});

describe('custom range inputs in the reporting zone', () => {
  it('reads and writes datetime-local values in the zone, across its DST change', () => {
    const at = Date.parse('2026-02-28T18:30:00Z');
    expect(toLocalInput(at, 'Asia/Kolkata')).toBe('2026-03-01T00:00');
    expect(fromLocalInput('2026-03-01T00:00', 'Asia/Kolkata')).toBe(at);
    expect(fromLocalInput('2026-03-09T09:00', 'America/New_York')).toBe(Date.parse('2026-03-09T13:00:00Z'));
    expect(fromLocalInput('2026-03-02T09:00', 'America/New_York')).toBe(Date.parse('2026-03-02T14:00:00Z'));
    expect(fromLocalInput('2026-03-0', 'UTC')).toBeNaN();
  });
});

describe('comparisonLabel', () => {
  const window = (from: string, to: string, timeZone = 'UTC') => ({
    from,
    to,
    timeZone,
    minutes: (Date.parse(to) - Date.parse(from)) / 60_000,
  });

  it('names the previous period by its length, and last week as such', () => {
    expect(comparisonLabel('PREVIOUS_PERIOD', window('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'))).toBe(
      'vs previous 1 h',
    );
    expect(comparisonLabel('PREVIOUS_PERIOD', window('2026-03-01T10:00:00Z', '2026-03-01T10:15:00Z'))).toBe(
      'vs previous 15 min',
    );
    expect(comparisonLabel('PREVIOUS_PERIOD', window('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z'))).toBe(
      'vs previous 7 d',
    );
    expect(comparisonLabel('SAME_PERIOD_LAST_WEEK', window('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'))).toBe(
      'vs same time last week',
    );
  });

  it('names a custom range by its local days (end exclusive), or with times when not whole days', () => {
    expect(comparisonLabel('CUSTOM', window('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z'))).toBe('vs 1–7 Mar');
    expect(comparisonLabel('CUSTOM', window('2026-02-28T00:00:00Z', '2026-03-03T00:00:00Z'))).toBe('vs 28 Feb–2 Mar');
    // Whole days of Asia/Kolkata start at 18:30 UTC.
    expect(comparisonLabel('CUSTOM', window('2026-02-28T18:30:00Z', '2026-03-01T18:30:00Z', 'Asia/Kolkata'))).toBe(
      'vs 1 Mar',
    );
    expect(comparisonLabel('CUSTOM', window('2026-03-01T09:00:00Z', '2026-03-01T17:00:00Z'))).toBe(
      'vs 1 Mar 09:00 – 1 Mar 17:00',
    );
  });
});

describe('fromKpiDelta', () => {
  it('maps the API’s enum names back to the registry’s', () => {
    expect(
      fromKpiDelta({
        metric: 'CLICK_TO_SIGNUP',
        absolute: 0.01,
        relative: 0.5,
        unit: 'PERCENTAGE_POINTS',
        direction: 'UP',
        good: true,
      }),
    ).toEqual({
      metric: 'clickToSignup',
      current: null,
      previous: null,
      absolute: 0.01,
      relative: 0.5,
      unit: 'percentagePoints',
      direction: 'up',
      good: true,
    });
  });
});
