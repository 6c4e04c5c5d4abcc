import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testkit/server.ts';

/** Anything a client could put in a JSON variable. */
const jsonValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.double(),
  fc.string(),
  fc.constantFrom('2026-11-25T10:00:00Z', '2026-11-25', 'not a date', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z'),
);
const windowInput = fc.record({ lastMinutes: jsonValue, from: jsonValue, to: jsonValue }, { requiredKeys: [] });
const filter = fc.option(
  fc.record(
    {
      campaignIds: fc.option(fc.array(fc.string(), { maxLength: 3 })),
      channels: fc.option(fc.array(jsonValue, { maxLength: 3 })),
    },
    { requiredKeys: [] },
  ),
);

const READ_QUERIES = [
  'query($window: WindowInput!, $filter: KpiFilter) { overview(window: $window, filter: $filter) { __typename ... on Overview { current { impressions ctr cpc } } ... on Error { message } } }',
  'query($window: WindowInput!, $filter: KpiFilter) { funnel(window: $window, filter: $filter) { __typename ... on Error { message } } }',
  'query($window: WindowInput!, $filter: KpiFilter) { breakdown(window: $window, filter: $filter) { __typename ... on Error { message } } }',
  'query($window: WindowInput!, $filter: KpiFilter) { timeSeries(window: $window, filter: $filter, granularity: HOUR) { __typename ... on Error { message } } }',
];

describe('fuzzing the read inputs', () => {
  const server = useTestServer();

  it('GraphQL read variables never cause a 500 or a masked unexpected error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...READ_QUERIES), windowInput, filter, async (query, window, filterValue) => {
        const response = await fetch(`${server.current.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables: { window, filter: filterValue } }),
        });
        expect(response.status).toBeLessThan(500);
        const body = (await response.json()) as { errors?: { message: string }[] };
        for (const error of body.errors ?? []) expect(error.message).not.toBe('Unexpected error.');
      }),
      { numRuns: 120 },
    );
  });

  it('REST query strings and path parameters never cause a 500', async () => {
    const paths = fc.oneof(
      fc.string().map((minutes) => `/funnels/realtime?minutes=${encodeURIComponent(minutes)}`),
      fc
        .tuple(fc.string({ minLength: 1 }), fc.string())
        .map(
          ([campaign, hours]) => `/campaigns/${encodeURIComponent(campaign)}/kpis?hours=${encodeURIComponent(hours)}`,
        ),
      fc.string().map((limit) => `/alerts/active?limit=${encodeURIComponent(limit)}`),
    );
    await fc.assert(
      fc.asyncProperty(paths, async (path) => {
        const response = await fetch(`${server.current.baseUrl}${path}`);
        expect([200, 400, 404, 422]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
  });
});
