import { describe, expect, it } from 'vitest';
import { parseBackfillArgs } from './backfill-args.ts';

describe('parseBackfillArgs', () => {
  it('lists every UTC day from --from to --to, both included', () => {
    const { days } = parseBackfillArgs(['--from', '2026-10-31', '--to', '2026-11-02']);
    expect(days).toEqual([
      new Date('2026-10-31T00:00:00Z'),
      new Date('2026-11-01T00:00:00Z'),
      new Date('2026-11-02T00:00:00Z'),
    ]);
    expect(parseBackfillArgs(['--from=2026-11-25', '--to=2026-11-25'])).toEqual({
      days: [new Date('2026-11-25T00:00:00Z')],
      parallel: 2,
    });
    expect(parseBackfillArgs(['--from=2026-11-25', '--to=2026-11-25', '--parallel', '1']).parallel).toBe(1);
  });

  it('rejects missing, malformed, impossible and reversed dates', () => {
    expect(() => parseBackfillArgs(['--to', '2026-11-02'])).toThrow('--from is required');
    expect(() => parseBackfillArgs(['--from', '2026-11-1', '--to', '2026-11-02'])).toThrow(
      '--from must be a date YYYY-MM-DD',
    );
    expect(() => parseBackfillArgs(['--from', '2026-02-30', '--to', '2026-03-02'])).toThrow('--from must be a date');
    expect(() => parseBackfillArgs(['--from', '2026-11-03', '--to', '2026-11-02'])).toThrow('is before --from');
    expect(() => parseBackfillArgs(['--from', '2026-11-01', '--to', '2026-11-02', '--days', '3'])).toThrow(
      /Unknown option/,
    );
    expect(() => parseBackfillArgs(['--from', '2026-11-01', '--to', '2026-11-02', '--parallel', '0'])).toThrow(
      '--parallel must be',
    );
  });
});
