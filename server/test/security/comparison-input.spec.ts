import { describe, expect, it } from 'vitest';
import { postJson } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, readAuth, useSecurityServer } from './testkit/server.ts';

// `compareTo` is a door of its own: a second range a reader chooses. Whatever it holds, the answer is a typed error
// or BAD_USER_INPUT, quickly, without internals, and never a scan the window limits would not allow.
const server = useSecurityServer();

const QUERY = /* GraphQL */ `
  query ($window: WindowInput!, $compareTo: ComparisonInput) {
    overview(window: $window, compareTo: $compareTo) {
      __typename
      ... on InvalidArgumentError {
        message
        argument
      }
      ... on Overview {
        comparisonWindow {
          from
          to
        }
      }
    }
  }
`;

async function ask(window: Record<string, unknown>, compareTo: unknown) {
  const started = Date.now();
  const response = await postJson(
    server.baseUrl,
    '/graphql',
    { query: QUERY, variables: { window, compareTo } },
    readAuth,
  );
  expectNoInternals(response.body);
  return { status: response.status, body: JSON.parse(response.body), ms: Date.now() - started };
}

describe('the comparison argument', () => {
  it('refuses a custom range over all representable time as InvalidArgumentError, at once', async () => {
    const result = await ask(
      { lastMinutes: 60 },
      { kind: 'CUSTOM', from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' },
    );
    expect(result.body.data.overview).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'compareTo' });
    expect(result.ms).toBeLessThan(2_000);
  });

  it('answers for a window at the first date DateTime takes, whose comparison falls in 1 BC', async () => {
    const edge = { from: '0001-01-01T00:00:00.000Z', to: '0001-01-08T00:00:00.000Z', timeZone: 'Asia/Kolkata' };
    for (const kind of ['PREVIOUS_PERIOD', 'SAME_PERIOD_LAST_WEEK']) {
      const result = await ask(edge, { kind });
      expect(result.status, kind).toBe(200);
      expect(result.body.errors, kind).toBeUndefined();
      expect(result.body.data.overview.__typename, kind).toBe('Overview');
    }
  });

  it('refuses a 100 kB "instant", an unknown kind and values of the wrong type as a request error (400)', async () => {
    const cases = [
      { kind: 'CUSTOM', from: '2026-03-01T00:00:00Z'.padEnd(100_000, '9'), to: '2026-03-02T00:00:00Z' },
      { kind: 'LAST_YEAR' },
      { kind: ['CUSTOM'] },
      { kind: 'CUSTOM', from: { $gt: '' }, to: '2026-03-02T00:00:00Z' },
      'PREVIOUS_PERIOD',
    ];
    for (const compareTo of cases) {
      const result = await ask({ lastMinutes: 60 }, compareTo);
      const label = JSON.stringify(compareTo).slice(0, 80);
      expect(result.status, label).toBe(400);
      expect(result.body.data, label).toBeUndefined();
      expect(result.body.errors[0].message, label).toMatch(/\$compareTo/);
    }
    await expectServerFine(server, 'comparison input');
  });
});
