import { MAX_ID_LENGTH } from '@pmd/domain';
import { randomEvents, seededRandom, storeTestEvents } from '@pmd/testkit';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, ingestAuth, readAuth, useSecurityServer } from './testkit/server.ts';

const server = useSecurityServer();
const QUERY = `query ($window: WindowInput!, $filter: KpiFilter) {
  conversionDelays(window: $window, filter: $filter) {
    __typename
    ... on ConversionDelays { sample { minutes } steps { pairs } }
    ... on Error { message }
  }
}`;
const ask = async (variables: object, headers = readAuth) => {
  const response = await postJson(server.baseUrl, '/graphql', { query: QUERY, variables }, headers);
  expectNoInternals(response.body);
  return { status: response.status, body: JSON.parse(response.body) };
};

beforeAll(async () => {
  const pool = new pg.Pool({ connectionString: server.databaseUrl, max: 1 });
  try {
    await storeTestEvents(
      pool,
      randomEvents(seededRandom(13), 20_000, { from: Date.now() - 30 * 86_400_000, to: Date.now() }),
    );
  } finally {
    await pool.end();
  }
}, 60_000);

describe('conversionDelays, a new door: reader scope, bounded work, typed refusals', () => {
  it('refuses the ingest token (UNAUTHENTICATED)', async () => {
    const { body } = await ask({ window: { lastMinutes: 60 } }, ingestAuth);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('samples at most the last 120 minutes of the longest window, with 20,000 ids in the filter, quickly', async () => {
    const campaignIds = Array.from({ length: 20_000 }, (_, i) => `${'c'.repeat(MAX_ID_LENGTH - 6)}${i}`);
    const started = Date.now();
    const { body } = await ask({ window: { lastMinutes: 90 * 24 * 60 }, filter: { campaignIds } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body.data.conversionDelays).toMatchObject({ __typename: 'ConversionDelays', sample: { minutes: 120 } });
    const all = await ask({ window: { lastMinutes: 90 * 24 * 60 } });
    expect(all.body.data.conversionDelays.sample.minutes).toBe(120);
  });

  it('answers a window past 90 days or a made-up zone with InvalidArgumentError, not a scan', async () => {
    for (const window of [{ lastMinutes: 90 * 24 * 60 + 1 }, { lastMinutes: 60, timeZone: 'Mars/Olympus_Mons' }]) {
      const { body } = await ask({ window });
      expect(body.data.conversionDelays.__typename, JSON.stringify(window)).toBe('InvalidArgumentError');
    }
    await expectServerFine(server, 'conversion-delays');
  });
});
