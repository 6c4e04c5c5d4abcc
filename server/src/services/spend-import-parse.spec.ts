import { describe, expect, it } from 'vitest';
import { candidatesOfCsv, checkSpendRows, csvRecords } from './spend-import-parse.ts';

describe('csvRecords', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks, CRLF or LF, skipping blank lines', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\n\n1,,3\n';
    expect(csvRecords(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['1', '', '3'] },
    ]);
  });

  it('refuses a quoted field that never closes', () => {
    expect(csvRecords('a,b\n"open,1\n')).toEqual({ error: 'a quoted field opened on line 2 is never closed' });
  });
});

describe('candidatesOfCsv', () => {
  it('maps header names in any order (case-insensitive, BOM dropped); empty optional cells are absent', () => {
    const csv = '\uFEFFSpend,Channel,campaign_id,date,clicks\n1.5,google,camp,2026-11-20,\n';
    expect(candidatesOfCsv(csv)).toEqual([
      {
        line: 1,
        candidate: { spend: '1.5', channel: 'google', campaignId: 'camp', date: '2026-11-20', clicks: undefined },
      },
    ]);
  });

  it('numbers data lines from 1 after the header and reports a line with the wrong number of fields', () => {
    const [row] = candidatesOfCsv('date,campaign_id,channel,spend\n2026-11-20,camp,google\n');
    expect(row).toMatchObject({ line: 1, error: { line: 1, field: null, reason: 'expected 4 fields, got 3' } });
  });
});

describe('checkSpendRows', () => {
  const row = (candidate: Record<string, unknown>, line = 1) => ({
    line,
    candidate: { campaignId: 'camp', channel: 'google', spend: '1', ...candidate },
  });

  it('reads local days and hours of the zone, 23- and 25-hour days included', () => {
    const { rows, errors } = checkSpendRows(
      [row({ date: '2026-03-08' }, 1), row({ date: '2026-11-01' }, 2), row({ hour: '2026-11-02T09:00' }, 3)],
      'America/New_York',
    );
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.granularity, r.periodStart.toISOString(), r.periodEnd.toISOString()])).toEqual([
      ['day', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
      ['day', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
      ['hour', '2026-11-02T14:00:00.000Z', '2026-11-02T15:00:00.000Z'],
    ]);
  });

  it('refuses an hour a DST change skips, impossible dates, both or neither of date and hour', () => {
    const { rows, errors } = checkSpendRows(
      [
        row({ hour: '2026-03-08T02:00' }, 1),
        row({ date: '2026-02-29' }, 2),
        row({ date: '2026-11-01', hour: '2026-11-01T00:00' }, 3),
        row({}, 4),
        row({ hour: '2026-11-01T10:30' }, 5),
      ],
      'America/New_York',
    );
    expect(rows).toEqual([]);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [1, 'hour'],
      [2, 'date'],
      [3, 'hour'],
      [4, 'date'],
      [5, 'hour'],
    ]);
  });

  it('refuses the later of two overlapping periods of one campaign and channel, not of different channels', () => {
    const { rows, errors } = checkSpendRows(
      [
        row({ date: '2026-11-20' }, 1),
        row({ hour: '2026-11-20T05:00' }, 2),
        row({ hour: '2026-11-20T05:00', channel: 'meta' }, 3),
        row({ hour: '2026-11-19T23:00' }, 4),
        row({ date: '2026-11-20' }, 5),
      ],
      'UTC',
    );
    expect(rows.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(errors).toEqual([
      { line: 2, field: 'hour', reason: 'overlaps the period of line 1' },
      { line: 5, field: 'date', reason: 'overlaps the period of line 1' },
    ]);
  });

  it('keeps spend as exact decimal text within range and 6 decimals; counts are whole and non-negative', () => {
    const { rows, errors } = checkSpendRows(
      [
        row({ date: '2026-11-20', spend: 0.1, impressions: 10 }, 1),
        row({ date: '2026-11-21', spend: 0.1 + 0.2 }, 2),
        row({ date: '2026-11-22', spend: '1000000000.000001' }, 3),
        row({ date: '2026-11-23', spend: Infinity }, 4),
        row({ date: '2026-11-24', clicks: 2.5 }, 5),
        row({ date: '2026-11-25', campaignId: 'c'.repeat(129) }, 6),
        row({ date: '2026-11-26', channel: 'bad\u0000' }, 7),
      ],
      'UTC',
    );
    expect(rows).toMatchObject([{ line: 1, spend: '0.1', impressions: 10, clicks: null }]);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'spend'],
      [3, 'spend'],
      [4, 'spend'],
      [5, 'clicks'],
      [6, 'campaignId'],
      [7, 'channel'],
    ]);
  });
});
