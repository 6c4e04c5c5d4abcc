import fc from 'fast-check';
import {
  coerceInputValue,
  GraphQLList,
  GraphQLNonNull,
  isInputObjectType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { listCoercerOf } from '../src/plugins/input-list-variables.ts';
import { EVENT_INPUT_TYPE } from '../src/schema/event.ts';
import { schema } from '../src/schema/index.ts';

const eventInput = schema.getType(EVENT_INPUT_TYPE) as GraphQLInputObjectType;
const listType: GraphQLInputType = new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(eventInput)));
const coerceFast = listCoercerOf(eventInput)!;

/** graphql-js's own coercion of `$events: [EventInput!]!`: the oracle; null when it reports any error. */
function coerceByGraphQL(value: unknown): Record<string, unknown>[] | null {
  let failed = false;
  const coerced = coerceInputValue(value, listType, () => {
    failed = true;
  }) as Record<string, unknown>[];
  return failed ? null : coerced.map((item) => ({ ...item }));
}

const fieldValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('AD_IMPRESSION', 'AD_CLICK', 'SIGNUP', 'ACTIVATION', 'ad_click', 'toString', '__proto__'),
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);
const validEvent = fc.record(
  {
    eventId: fc.string({ minLength: 1, maxLength: 8 }),
    ts: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    userId: fc.string({ maxLength: 8 }),
    campaignId: fc.string({ maxLength: 8 }),
    channel: fc.string({ maxLength: 8 }),
    eventType: fc.constantFrom('AD_IMPRESSION', 'AD_CLICK', 'SIGNUP', 'ACTIVATION'),
    cost: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(null)),
    revenue: fc.double({ min: 0, max: 1e6, noNaN: true }),
  },
  { requiredKeys: ['eventId', 'ts', 'userId', 'campaignId', 'channel', 'eventType'] },
);
/** Near-events: any field possibly missing, of any JSON type, or an unknown key. */
const nearEvent = fc.oneof(
  fc
    .tuple(validEvent, fc.constantFrom(...Object.keys(eventInput.getFields()), 'unknown', '__proto__'), fieldValue)
    .map(([event, key, value]) => JSON.parse(JSON.stringify({ ...event, [key]: value })) as unknown),
  fc.tuple(validEvent, fc.constantFrom(...Object.keys(eventInput.getFields()))).map(([event, key]) => {
    const copy: Record<string, unknown> = { ...event };
    delete copy[key];
    return copy;
  }),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('useInputListVariables: coercion of an $events list', () => {
  it('is EventInput as the schema defines it, and flat enough for the fast path', () => {
    expect(isInputObjectType(eventInput)).toBe(true);
    expect(listCoercerOf(eventInput)).not.toBeNull();
  });

  it('takes every list of valid events, and coerces it exactly as graphql-js does', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 20 }), (events) => {
        const value = JSON.parse(JSON.stringify(events)) as unknown;
        const fast = coerceFast(value);
        expect(fast).not.toBeNull();
        expect(fast).toEqual(coerceByGraphQL(value));
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts what graphql-js refuses, and otherwise returns what graphql-js returns', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.oneof(validEvent, nearEvent), { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
        (value) => {
          const fast = coerceFast(value);
          if (fast === null) return; // graphql-js judges it, with its own errors
          expect(fast).toEqual(coerceByGraphQL(value));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
