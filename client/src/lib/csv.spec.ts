import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('toCsv', () => {
  it('quotes fields with separators and leaves empty cells for nulls', () => {
    expect(
      toCsv(
        ['campaign', 'cpc'],
        [
          ['camp "a", b', 0.5],
          ['camp_c', null],
        ],
      ),
    ).toBe('campaign,cpc\r\n"camp ""a"", b",0.5\r\ncamp_c,\r\n');
  });

  it('neutralises strings a spreadsheet would run as formulas (OWASP: a leading quote, and quotes around)', () => {
    expect(
      toCsv(
        ['campaign'],
        [
          ['=HYPERLINK("http://evil.example","x")'],
          ["+1+cmd|' /C calc'!A0"],
          ['-2+3'],
          ['@SUM(A1:A9)'],
          ['\t=1+1'],
          ['\r=1+1'],
          ['a=b'],
        ],
      ),
    ).toBe(
      [
        'campaign',
        '"\'=HYPERLINK(""http://evil.example"",""x"")"',
        "\"'+1+cmd|' /C calc'!A0\"",
        '"\'-2+3"',
        '"\'@SUM(A1:A9)"',
        '"\'\t=1+1"',
        '"\'\r=1+1"',
        'a=b',
        '',
      ].join('\r\n'),
    );
  });

  it('keeps numbers numeric, negative ones included', () => {
    expect(toCsv(['delta', 'ctr'], [[-3, -0.25]])).toBe('delta,ctr\r\n-3,-0.25\r\n');
  });
});
