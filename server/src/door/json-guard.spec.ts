import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardJson, scanJsonBounds } from './json-guard.ts';

// Pieces of JSON and of what is not quite JSON: structure, escapes (runs of backslashes before quotes), numbers,
// literals, multi-byte UTF-8, and bytes that are no UTF-8 (inside and outside strings).
const piece = fc
  .constantFrom(
    ...[
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '"',
      '\\',
      '\\"',
      '\\\\',
      '\\\\"',
      'a',
      'key',
      ' ',
      '-1.5e+3',
      '0',
      'true',
      'null',
    ],
    ...['é', '€', '😀'],
  )
  .map((text) => Buffer.from(text));
const rawByte = fc.constantFrom(0xff, 0xc0, 0x80, 0xed, 0xf5).map((byte) => Buffer.from([byte]));
const bodies = fc.array(fc.oneof({ arbitrary: piece, weight: 20 }, { arbitrary: rawByte, weight: 1 }), {
  maxLength: 60,
});
const validJson = fc.jsonValue({ maxDepth: 6 }).map((value) => Buffer.from(JSON.stringify(value)));

describe('guardJson', () => {
  it('gives the byte-by-byte scan’s verdict on any body, at any limits', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          bodies.map((parts) => Buffer.concat(parts)),
          validJson,
        ),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (body, maxValues, maxDepth) => {
          const limits = { maxValues, maxDepth };
          expect(guardJson(body, limits)).toEqual(scanJsonBounds(body, limits));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('counts string values, not keys, past escaped quotes', () => {
    const body = Buffer.from(JSON.stringify({ 'k\\"': ['a\\', 'b"\\"', 1, true], x: { y: null } }));
    // The values: the object, the array, 'a\\', 'b"\\"', 1, true, the inner object, null.
    expect(guardJson(body, { maxValues: 8, maxDepth: 3 })).toEqual({ ok: true });
    expect(guardJson(body, { maxValues: 7, maxDepth: 3 })).toMatchObject({ ok: false, problem: 'too-many-values' });
  });

  it('refuses a backslash before a multi-byte character as the byte-by-byte scan does (no JSON either)', () => {
    const body = Buffer.from('["\\é"]');
    expect(guardJson(body, { maxValues: 10, maxDepth: 3 })).toMatchObject({ ok: false, problem: 'invalid-utf8' });
  });
});
