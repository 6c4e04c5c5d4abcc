import { describe, expect, it } from 'vitest';
import {
  addLocalDays,
  bucketBoundaries,
  canonicalTimeZone,
  instantOfLocal,
  startOfLocalDay,
  utcOffsetMs,
} from './time-zone.ts';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString().replace(':00.000Z', 'Z'));
const at = (text: string) => new Date(text);

describe('time zones', () => {
  it('accepts IANA names only, in their canonical spelling', () => {
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('asia/tokyo')).toBe('Asia/Tokyo');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone('UTC; DROP TABLE')).toBeNull();
    expect(canonicalTimeZone('A'.repeat(65))).toBeNull();
  });

  it('knows offsets of 30 and 45 minutes', () => {
    expect(utcOffsetMs(at('2026-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(utcOffsetMs(at('2026-06-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
  });

  it('puts day boundaries at local midnight (Kolkata: 18:30 UTC)', () => {
    expect(
      iso(bucketBoundaries(at('2026-03-10T00:00:00Z'), at('2026-03-11T00:00:00Z'), 'day', 'Asia/Kolkata')),
    ).toEqual(['2026-03-09T18:30Z', '2026-03-10T18:30Z', '2026-03-11T18:30Z']);
  });

  it('makes New York days of 23 and 25 hours at the DST changes', () => {
    expect(
      iso(bucketBoundaries(at('2026-03-08T12:00:00Z'), at('2026-03-08T13:00:00Z'), 'day', 'America/New_York')),
    ).toEqual(['2026-03-08T05:00Z', '2026-03-09T04:00Z']);
    expect(
      iso(bucketBoundaries(at('2026-11-01T12:00:00Z'), at('2026-11-01T13:00:00Z'), 'day', 'America/New_York')),
    ).toEqual(['2026-11-01T04:00Z', '2026-11-02T05:00Z']);
  });

  it('gives the repeated hour of a fall-back change its own bucket', () => {
    expect(
      iso(bucketBoundaries(at('2026-11-01T04:00:00Z'), at('2026-11-01T07:00:00Z'), 'hour', 'America/New_York')),
    ).toEqual(['2026-11-01T04:00Z', '2026-11-01T05:00Z', '2026-11-01T06:00Z', '2026-11-01T07:00Z']);
  });

  it('makes Lord Howe hours of 30 and 90 minutes at its half-hour DST changes', () => {
    // 2 October 2026, 02:00 (+10:30) → 02:30 (+11): local hour 2 lasts 30 minutes.
    expect(
      iso(bucketBoundaries(at('2026-10-03T14:30:00Z'), at('2026-10-03T16:30:00Z'), 'hour', 'Australia/Lord_Howe')),
    ).toEqual(['2026-10-03T14:30Z', '2026-10-03T15:30Z', '2026-10-03T16:00Z', '2026-10-03T17:00Z']);
    // 5 April 2026, 02:00 (+11) → 01:30 (+10:30): local hour 1 lasts 90 minutes.
    expect(
      iso(bucketBoundaries(at('2026-04-04T14:00:00Z'), at('2026-04-04T16:00:00Z'), 'hour', 'Australia/Lord_Howe')),
    ).toEqual(['2026-04-04T14:00Z', '2026-04-04T15:30Z', '2026-04-04T16:30Z']);
  });

  it('finds local midnights and shifts by local days across DST', () => {
    expect(startOfLocalDay(at('2026-03-08T20:00:00Z'), 'America/New_York').toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    // 09:00 local on 7 March (EST) is 09:00 local on 14 March (EDT): 167 hours later, not 168.
    expect(addLocalDays(at('2026-03-07T14:00:00Z'), 7, 'America/New_York').toISOString()).toBe(
      '2026-03-14T13:00:00.000Z',
    );
    // A local time skipped by the change (02:30) moves forward by the gap (03:30 EDT).
    expect(
      instantOfLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York').toISOString(),
    ).toBe('2026-03-08T07:30:00.000Z');
  });

  it('keeps milliseconds and years before 100 when shifting by local days', () => {
    expect(addLocalDays(at('2026-03-07T14:00:00.123Z'), 7, 'America/New_York').toISOString()).toBe(
      '2026-03-14T13:00:00.123Z',
    );
    const early = new Date(0);
    early.setUTCFullYear(1, 0, 8);
    expect(addLocalDays(early, -7, 'UTC').toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('keeps boundaries sorted and enclosing for long ranges', () => {
    const from = at('2026-01-01T00:07:00Z');
    const to = at('2026-04-01T00:00:00Z');
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe']) {
      for (const grain of ['hour', 'day'] as const) {
        const boundaries = bucketBoundaries(from, to, grain, zone);
        expect(boundaries[0]!.getTime()).toBeLessThanOrEqual(from.getTime());
        expect(boundaries[1]!.getTime()).toBeGreaterThan(from.getTime());
        expect(boundaries.at(-1)!.getTime()).toBeGreaterThanOrEqual(to.getTime());
        expect(boundaries.at(-2)!.getTime()).toBeLessThan(to.getTime());
        for (let i = 1; i < boundaries.length; i++) expect(boundaries[i]! > boundaries[i - 1]!).toBe(true);
      }
    }
  });
});
