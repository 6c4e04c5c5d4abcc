import { describe, expect, it } from 'vitest';
import { parseScheduledPayload, scheduledInstant } from './payload.ts';

describe('scheduled task payloads', () => {
  it('accepts the cron payload and takes the tick as the instant', () => {
    const payload = parseScheduledPayload('t', { _cron: { ts: '2026-07-08T12:00:00.000Z', backfilled: true } });
    expect(scheduledInstant(payload, new Date('2030-01-01T00:00:00Z'))).toEqual(new Date('2026-07-08T12:00:00Z'));
  });

  it('accepts an empty payload and falls back to the start of the current minute', () => {
    const payload = parseScheduledPayload('t', null);
    expect(scheduledInstant(payload, new Date('2026-07-08T12:03:41.5Z'))).toEqual(new Date('2026-07-08T12:03:00Z'));
  });

  it('uses `at` for a job queued by hand', () => {
    const payload = parseScheduledPayload('t', { at: '2026-07-08T12:05:00Z' });
    expect(scheduledInstant(payload, new Date())).toEqual(new Date('2026-07-08T12:05:00Z'));
  });

  it('rejects a malformed tick with a message naming the field', () => {
    expect(() => parseScheduledPayload('metrics_hourly', { _cron: { ts: 'yesterday' } })).toThrow(
      /metrics_hourly: invalid payload.*_cron\.ts/s,
    );
    expect(() => parseScheduledPayload('t', 42)).toThrow(/invalid payload/);
  });
});
