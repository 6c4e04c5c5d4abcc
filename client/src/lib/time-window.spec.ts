import { describe, expect, it } from 'vitest';
import {
  describeWindow,
  granularityFor,
  parseTimeWindowQuery,
  toKpiFilter,
  toTimeWindowQuery,
  toWindowInput,
  windowMinutes,
} from './time-window.ts';

describe('parseTimeWindowQuery', () => {
  it('defaults to the last hour without filters', () => {
    const state = parseTimeWindowQuery({});
    expect(state).toEqual({ kind: 'quick', range: '1h', campaignIds: [], channels: [] });
    expect(toWindowInput(state)).toEqual({ lastMinutes: 60 });
    expect(toKpiFilter(state)).toBeNull();
  });

  it('reads a quick range and repeated filters, and writes them back', () => {
    const query = { range: '7d', campaign: ['camp_a', 'camp_b'], channel: 'email' };
    const state = parseTimeWindowQuery(query);
    expect(windowMinutes(state)).toBe(10_080);
    expect(toKpiFilter(state)).toEqual({ campaignIds: ['camp_a', 'camp_b'], channels: ['email'] });
    expect(toTimeWindowQuery(state)).toEqual({ range: '7d', campaign: ['camp_a', 'camp_b'], channel: ['email'] });
  });

  it('asks for today and yesterday as calendar periods of the chosen zone', () => {
    const today = parseTimeWindowQuery({ range: 'today' });
    expect(toWindowInput(today)).toEqual({ period: 'TODAY' });
    expect(toWindowInput(parseTimeWindowQuery({ range: 'yesterday' }), 'Asia/Kolkata')).toEqual({
      period: 'YESTERDAY',
      timeZone: 'Asia/Kolkata',
    });
    expect(describeWindow(today, 'Asia/Kolkata')).toBe('Today (Asia/Kolkata)');
  });

  it('describes a custom range in the reporting zone', () => {
    const state = parseTimeWindowQuery({ from: '2026-11-24T10:00:00Z', to: '2026-11-24T12:30:00Z' });
    expect(describeWindow(state, 'Asia/Kolkata')).toBe('2026-11-24 15:30 → 2026-11-24 18:00 (Asia/Kolkata)');
  });

  it('reads a custom range as UTC instants', () => {
    const state = parseTimeWindowQuery({ from: '2026-11-24T10:00:00Z', to: '2026-11-24T12:30:00Z', range: '1h' });
    expect(toWindowInput(state)).toEqual({ from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T12:30:00.000Z' });
    expect(windowMinutes(state)).toBe(150);
  });

  it('falls back to the default for an unknown range, a reversed or a too long custom range', () => {
    expect(parseTimeWindowQuery({ range: '2y' })).toMatchObject({ kind: 'quick', range: '1h' });
    expect(parseTimeWindowQuery({ from: '2026-11-24T12:00:00Z', to: '2026-11-24T10:00:00Z' }).kind).toBe('quick');
    expect(parseTimeWindowQuery({ from: '2026-01-01T00:00:00Z', to: '2026-11-24T10:00:00Z' }).kind).toBe('quick');
  });
});

describe('granularityFor', () => {
  it('keeps trend charts to a readable number of points', () => {
    expect(granularityFor(60)).toBe('MINUTE');
    expect(granularityFor(1440)).toBe('HOUR');
    expect(granularityFor(43_200)).toBe('DAY');
  });
});
