import { describe, expect, it } from 'vitest';
import { bucketLabel } from './bucket-label.ts';

describe('bucketLabel', () => {
  it('names the local day and hour of the zone, not the UTC ones', () => {
    // Kolkata's 1 December starts at 18:30 UTC on 30 November.
    expect(bucketLabel('2026-11-30T18:30:00.000Z', 'DAY', 'Asia/Kolkata')).toBe('2026-12-01');
    expect(bucketLabel('2026-11-30T18:30:00.000Z', 'DAY', 'UTC')).toBe('2026-11-30');
    expect(bucketLabel('2026-12-01T04:30:00.000Z', 'HOUR', 'Asia/Kolkata')).toBe('2026-12-01 10:00');
    expect(bucketLabel('2026-12-01T04:31:00.000Z', 'MINUTE', 'Asia/Kolkata')).toBe('10:01');
  });

  it('follows a 45-minute offset', () => {
    expect(bucketLabel('2026-12-01T00:00:00.000Z', 'HOUR', 'Asia/Kathmandu')).toBe('2026-12-01 05:45');
  });
});
