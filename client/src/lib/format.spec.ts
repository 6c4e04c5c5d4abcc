import { describe, expect, it } from 'vitest';
import { formatAgo, formatBucket, formatClock, formatTimestamp, formatValue } from './format.ts';

describe('formatValue', () => {
  it('formats counts, money and percentages', () => {
    expect(formatValue(70057, 'count')).toBe('70,057');
    expect(formatValue(1234.5, 'currency')).toBe('$1,234.50');
    expect(formatValue(0.04263, 'percent')).toBe('4.26%');
  });

  it('shows an undefined cost per unit as a dash', () => {
    expect(formatValue(null, 'currency')).toBe('—');
  });
});

describe('time', () => {
  it('formats ages and UTC timestamps', () => {
    expect(formatAgo(4_900)).toBe('4s ago');
    expect(formatAgo(125_000)).toBe('2m ago');
    expect(formatTimestamp('2026-11-25T10:00:05Z', 'UTC')).toBe('25 Nov 2026, 10:00:05 UTC');
    expect(formatTimestamp('2026-11-25T10:00:05Z', 'Asia/Kolkata')).toBe(
      '25 Nov 2026, 15:30:05 Asia/Kolkata (UTC+05:30)',
    );
    expect(formatTimestamp('2026-07-01T12:00:00Z', 'America/New_York')).toBe(
      '1 Jul 2026, 08:00:00 America/New_York (UTC−04:00)',
    );
  });

  it('labels buckets in the reporting zone', () => {
    expect(formatBucket('2026-11-24T18:30:00Z', 'DAY', 'Asia/Kolkata')).toBe('25 Nov');
    expect(formatBucket('2026-11-24T18:30:00Z', 'HOUR', 'Asia/Kolkata')).toBe('25 Nov, 00:00');
    expect(formatBucket('2026-11-24T18:30:00Z', 'DAY', 'UTC')).toBe('24 Nov');
  });

  it('gives the time of day in the reporting zone', () => {
    expect(formatClock('2026-11-24T18:35:00Z', 'UTC')).toBe('18:35');
    expect(formatClock('2026-11-24T18:35:00Z', 'Asia/Kolkata')).toBe('00:05');
  });
});
