import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { Random, randomEvents, seededRandom, storeTestEvents, type TestEvent } from '@pmd/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, useTestServer } from '../testkit/server.ts';

const MINUTE = 60_000;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);

// Written out here, not taken from the service: the brute force must not share its definitions.
const PREVIOUS: Record<string, [step: string, previous: string]> = {
  ad_click: ['IMPRESSION_TO_CLICK', 'ad_impression'],
  signup: ['CLICK_TO_SIGNUP', 'ad_click'],
  activation: ['SIGNUP_TO_ACTIVATION', 'signup'],
};
const EDGES = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * Pairs by a correlated subquery per step event (the latest previous-step event of the same user and campaign at or
 * before it, from `lookbackFrom` on), where the service uses one window-function pass.
 */
async function bruteForcePairs(
  clients: DatabaseClients,
  sampleFrom: Date,
  to: Date,
  lookbackFrom: Date,
  filter: { campaignIds?: string[]; channels?: string[] },
): Promise<Map<string, number[]>> {
  const { rows } = await clients.pool.query<{ event_type: string; delay: number }>(
    `SELECT s.event_type, extract(epoch FROM s.ts - p.ts)::float8 AS delay
     FROM raw_events s
     CROSS JOIN LATERAL (
       SELECT max(p.ts) AS ts FROM raw_events p
       WHERE p.user_id = s.user_id AND p.campaign_id = s.campaign_id AND p.ts <= s.ts AND p.ts >= $3
         AND p.event_type = CASE s.event_type WHEN 'ad_click' THEN 'ad_impression' WHEN 'signup' THEN 'ad_click'
                                              WHEN 'activation' THEN 'signup' END
         AND ($4::text[] IS NULL OR p.campaign_id = ANY($4)) AND ($5::text[] IS NULL OR p.channel = ANY($5))
     ) p
     WHERE s.ts >= $1 AND s.ts < $2 AND s.event_type IN ('ad_click', 'signup', 'activation') AND p.ts IS NOT NULL
       AND ($4::text[] IS NULL OR s.campaign_id = ANY($4)) AND ($5::text[] IS NULL OR s.channel = ANY($5))`,
    [sampleFrom, to, lookbackFrom, filter.campaignIds ?? null, filter.channels ?? null],
  );
  const byStep = new Map<string, number[]>(Object.values(PREVIOUS).map(([step]) => [step, []]));
  for (const row of rows) byStep.get(PREVIOUS[row.event_type]![0])!.push(row.delay);
  return byStep;
}

/** Nearest rank, as percentile_disc: the first value whose cumulative share reaches p. */
const nearestRank = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]! : null;

function expected(delays: number[]) {
  const sorted = [...delays].sort((a, b) => a - b);
  const bounds = [0, ...EDGES, Number.POSITIVE_INFINITY];
  return {
    pairs: sorted.length,
    p50: nearestRank(sorted, 0.5),
    p90: nearestRank(sorted, 0.9),
    p95: nearestRank(sorted, 0.95),
    p99: nearestRank(sorted, 0.99),
    histogram: bounds.slice(0, -1).map((from, i) => ({
      fromSeconds: from,
      toSeconds: Number.isFinite(bounds[i + 1]!) ? bounds[i + 1]! : null,
      count: sorted.filter((delay) => delay >= from && delay < bounds[i + 1]!).length,
    })),
  };
}

const QUERY = /* GraphQL */ `
  query ($window: WindowInput!, $filter: KpiFilter) {
    conversionDelays(window: $window, filter: $filter) {
      __typename
      ... on ConversionDelays {
        sample {
          from
          to
        }
        lookbackFrom
        steps {
          step
          pairs
          p50
          p90
          p95
          p99
          histogram {
            fromSeconds
            toSeconds
            count
          }
        }
      }
    }
  }
`;

describe(`conversionDelays equals a brute-force pairing over raw_events (seed ${SEED})`, () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const end = Date.now() - 5 * MINUTE;

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const random = seededRandom(SEED);
    const rng = new Random(SEED);
    // Few users, so most step events have several candidate previous events; some instants repeated (ties).
    const events: TestEvent[] = randomEvents(random, 6_000, { from: end - 5 * 60 * MINUTE, to: end }).map((event) => ({
      ...event,
      user_id: `u${rng.int(25)}`,
    }));
    for (let i = 0; i < 300; i++) {
      const original = events[rng.int(events.length)]!;
      const type = (['ad_impression', 'ad_click', 'signup', 'activation'] as const)[rng.int(4)]!;
      events.push({ ...original, event_id: `tie-${i}`, event_type: type });
    }
    await storeTestEvents(clients.pool, events);
  }, 60_000);

  afterAll(async () => {
    await clients?.close();
  });

  const cases: [string, { from: number; to: number }, { campaignIds?: string[]; channels?: string[] }][] = [
    ['a 5-hour window: its last 2 hours sampled, 1 hour of lookback', { from: end - 300 * MINUTE, to: end }, {}],
    ['a 40-minute window: all of it sampled', { from: end - 100 * MINUTE, to: end - 60 * MINUTE }, {}],
    ['filtered by campaign', { from: end - 300 * MINUTE, to: end - 7_777 }, { campaignIds: ['camp_google_brand'] }],
    ['filtered by channel', { from: end - 200 * MINUTE, to: end }, { channels: ['meta', 'email'] }],
  ];

  for (const [name, window, filter] of cases) {
    it(name, async () => {
      const response = await graphql(server.current.baseUrl, QUERY, {
        window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
        filter,
      });
      expect(response.errors).toBeUndefined();
      const result = response.data.conversionDelays;
      const sampleFrom = Math.max(window.from, window.to - 120 * MINUTE);
      expect(result.sample).toEqual({
        from: new Date(sampleFrom).toISOString(),
        to: new Date(window.to).toISOString(),
      });
      expect(result.lookbackFrom).toBe(new Date(sampleFrom - 60 * MINUTE).toISOString());
      const pairs = await bruteForcePairs(
        clients,
        new Date(sampleFrom),
        new Date(window.to),
        new Date(sampleFrom - 60 * MINUTE),
        filter,
      );
      expect(result.steps.map((s: { step: string }) => s.step)).toEqual([
        'IMPRESSION_TO_CLICK',
        'CLICK_TO_SIGNUP',
        'SIGNUP_TO_ACTIVATION',
      ]);
      for (const step of result.steps) {
        expect(pairs.get(step.step)!.length, step.step).toBeGreaterThan(20);
        expect(step, step.step).toEqual({ step: step.step, ...expected(pairs.get(step.step)!) });
      }
    });
  }

  it('answers with no pairs as zeros and nulls', async () => {
    const response = await graphql(server.current.baseUrl, QUERY, {
      window: { lastMinutes: 60 },
      filter: { campaignIds: ['no_such_campaign'] },
    });
    for (const step of response.data.conversionDelays.steps) {
      expect(step).toMatchObject({ pairs: 0, p50: null, p90: null, p95: null, p99: null });
      expect(step.histogram.every((bucket: { count: number }) => bucket.count === 0)).toBe(true);
    }
  });
});
