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
});
