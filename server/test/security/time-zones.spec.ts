import { describe, expect, it } from 'vitest';
import { postJson } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, readAuth, useSecurityServer } from './testkit/server.ts';

// WindowInput.timeZone reaches Intl and, through bucket boundaries, SQL parameters: only IANA names of bounded length
// get through, and anything else is a typed InvalidArgumentError naming the argument, never a crash or a slow answer.
const server = useSecurityServer();

const OVERVIEW =
  'query($window: WindowInput!) { overview(window: $window) { __typename ... on InvalidArgumentError { message argument } } }';
const SERIES =
  'query($window: WindowInput!) { timeSeries(window: $window, granularity: HOUR) { __typename ... on InvalidArgumentError { argument } } }';

describe('reporting time zones as attack input', () => {
  it.each([
    ['a path', '../../../../etc/passwd'],
    ['SQL', "UTC'; DROP TABLE raw_events; --"],
    ['a POSIX rule string', 'EST5EDT,M3.2.0,M11.1.0'],
    ['an offset PostgreSQL would read backwards', '+05:30'],
    ['100 KB of letters', 'A'.repeat(100_000)],
    ['an unknown zone', 'Mars/Olympus_Mons'],
    ['an empty name', ''],
  ])('refuses %s by argument, before any read', async (_name, timeZone) => {
    for (const query of [OVERVIEW, SERIES]) {
      const response = await postJson(
        server.baseUrl,
        '/graphql',
        { query, variables: { window: { lastMinutes: 60, timeZone } } },
        readAuth,
      );
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body);
      const result = body.data.overview ?? body.data.timeSeries;
      expect(result).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'window.timeZone' });
      expectNoInternals(response.body);
      // The refusal quotes at most 80 characters of what was sent.
      expect(response.body.length).toBeLessThan(2_000);
    }
    await expectServerFine(server, 'after a refused zone');
  });

  it('answers a 90-day window by hour in a 45-minute zone within the point limit', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 90 * 86_400_000);
    const response = await postJson(
      server.baseUrl,
      '/graphql',
      {
        query:
          'query($window: WindowInput!) { timeSeries(window: $window, granularity: HOUR) { __typename ... on TimeSeries { points { bucket } } } }',
        variables: { window: { from: from.toISOString(), to: to.toISOString(), timeZone: 'Asia/Kathmandu' } },
      },
      readAuth,
    );
    expect(response.status).toBe(200);
    const series = JSON.parse(response.body).data.timeSeries;
    expect(series.__typename).toBe('TimeSeries');
    expect(series.points.length).toBeGreaterThanOrEqual(2160);
    expect(series.points.length).toBeLessThanOrEqual(2161);
    expect(series.points.every((p: { bucket: string }) => p.bucket.endsWith(':15:00.000Z'))).toBe(true);
    await expectServerFine(server, 'after a 90-day series');
  });
});
