import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { kpisFromSums, METRIC_BY_ENUM_NAME, METRIC_NAMES, metricView, type MetricEnumName } from '@pmd/domain';
import {
  bruteForce,
  expectTotals,
  KPI_TOTALS_FIELDS,
  randomEvents,
  seededRandom,
  storeTestEvents,
  trafficEvents,
} from '@pmd/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUp } from '../testkit/rollup.ts';
import { graphql, useTestServer } from '../testkit/server.ts';
import { collect } from '../testkit/subscription.ts';

const HOUR = 3_600_000;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);

const OVERVIEW = /* GraphQL */ `
  query ($window: WindowInput!, $compareTo: ComparisonInput, $filter: KpiFilter) {
    overview(window: $window, compareTo: $compareTo, filter: $filter) {
      __typename
      ... on Overview {
        window { from to timeZone }
        comparison
        comparisonWindow { from to minutes timeZone }
        comparisonHasData
        current { ${KPI_TOTALS_FIELDS} }
        previous { ${KPI_TOTALS_FIELDS} }
        change { ctr clicks signups cpc }
        changes { metric current previous absolute relative unit direction good }
      }
      ... on InvalidArgumentError { message argument }
    }
  }
`;

interface Delta {
  metric: MetricEnumName;
  current: number | null;
  previous: number | null;
  absolute: number | null;
  relative: number | null;
  unit: 'PERCENTAGE_POINTS' | 'PERCENT';
  direction: 'UP' | 'DOWN' | 'FLAT' | null;
  good: boolean | null;
}

function byMetric(changes: Delta[]): Record<string, Delta> {
  return Object.fromEntries(changes.map((delta) => [METRIC_BY_ENUM_NAME[delta.metric], delta]));
}

/** Comparisons of the overview (previous period, same period last week, custom) on stored events, against brute force. */
describe(`overview comparisons (seed ${SEED})`, () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const ask = (variables: Record<string, unknown>) => graphql(server.current.baseUrl, OVERVIEW, variables);

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const random = seededRandom(SEED);
    const { pool } = clients;
    // Two weeks around each America/New_York DST change of 2026 (8 March, 1 November), rolled up into hours and days.
    await storeTestEvents(
      pool,
      randomEvents(random, 8_000, { from: new Date('2026-02-27T00:00:00Z'), to: new Date('2026-03-12T00:00:00Z') }),
    );
    await storeTestEvents(
      pool,
      randomEvents(random, 8_000, { from: new Date('2026-10-23T00:00:00Z'), to: new Date('2026-11-05T00:00:00Z') }),
    );
    // Markers in the one hour that only the zone-aware last week holds (21:00Z on 2 March, 13:00Z on 26 October): a
    // plain 168 hours can never match it by chance, as two random hours sometimes did.
    const marker = { campaign_id: 'camp_dst_marker', channel: 'display' };
    await storeTestEvents(pool, [
      ...trafficEvents(marker, new Date('2026-03-02T21:00:00Z'), 30, { impressions: 40, clicks: 0 }, 'dst-spring'),
      ...trafficEvents(marker, new Date('2026-10-26T13:00:00Z'), 30, { impressions: 40, clicks: 0 }, 'dst-fall'),
    ]);
    await rollUp(pool, { days: true });
    // Steady traffic of one campaign for the rate case: CTR 2% one hour, 3% the next.
    const key = { campaign_id: 'camp_steady', channel: 'search' };
    const hour = new Date('2026-06-10T11:00:00Z');
    await storeTestEvents(pool, [
      ...trafficEvents(
        key,
        hour,
        60,
        { impressions: 20, clicks: 0.4, activations: 0.05, activationValue: 40 },
        'steady-before',
      ),
      ...trafficEvents(
        key,
        new Date(hour.getTime() + HOUR),
        60,
        { impressions: 20, clicks: 0.6, signups: 0.1, activations: 0.05, activationValue: 30 },
        'steady-after',
      ),
    ]);
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  it('tells rates in percentage points and counts and money in percent, with good news from the registry', async () => {
    const result = await ask({
      window: { from: '2026-06-10T12:00:00Z', to: '2026-06-10T13:00:00Z' },
      filter: { campaignIds: ['camp_steady'] },
    });
    expect(result.errors).toBeUndefined();
    const overview = result.data.overview;
    expect(overview.comparison).toBe('PREVIOUS_PERIOD');
    expect(overview.comparisonWindow).toMatchObject({
      from: '2026-06-10T11:00:00.000Z',
      to: '2026-06-10T12:00:00.000Z',
    });
    expect(overview.comparisonHasData).toBe(true);
    const changes = byMetric(overview.changes);
    expect(overview.changes.map((delta: Delta) => METRIC_BY_ENUM_NAME[delta.metric])).toEqual(METRIC_NAMES);
    // 24 of 1,200 → 36 of 1,200: +1.0 pp (the relative +50% is there too, but is not how a rate is told).
    expect(changes.ctr).toMatchObject({ current: 0.03, previous: 0.02, unit: 'PERCENTAGE_POINTS', direction: 'UP' });
    expect(changes.ctr!.absolute).toBeCloseTo(0.01, 12);
    expect(changes.ctr!.relative).toBeCloseTo(0.5, 12);
    expect(changes.ctr!.good).toBe(true);
    expect(changes.clicks).toMatchObject({ current: 36, previous: 24, absolute: 12, relative: 0.5, unit: 'PERCENT' });
    expect(changes.clicks!.good).toBe(true);
    // Spend +50% is neither good nor bad; CPC stayed at $0.80: flat.
    expect(changes.spend).toMatchObject({ unit: 'PERCENT', direction: 'UP', good: null });
    expect(changes.spend!.relative).toBeCloseTo(0.5, 12);
    expect(changes.cpc).toMatchObject({ unit: 'PERCENT', direction: 'FLAT', good: null });
    expect(changes.cpc!.relative).toBeCloseTo(0, 12);
    // Signups from 0: up, without a relative change; cost per signup from none: nothing to compare.
    expect(changes.signups).toMatchObject({ current: 6, previous: 0, absolute: 6, relative: null, direction: 'UP' });
    expect(changes.costPerSignup).toMatchObject({ previous: null, absolute: null, direction: null, good: null });
    // 3 activations each hour: $120 back on $19.20 spent (6.25×), then $90 on $28.80 (3.125×): ROAS halved, bad news
    // told in percent; revenue per activation $40 → $30.
    expect(changes.roas).toMatchObject({ unit: 'PERCENT', direction: 'DOWN', good: false });
    expect(changes.roas!.previous).toBeCloseTo(120 / 19.2, 12);
    expect(changes.roas!.current).toBeCloseTo(90 / 28.8, 12);
    expect(changes.roas!.relative).toBeCloseTo(-0.5, 12);
    expect(changes.revenue).toMatchObject({ current: 90, previous: 120, relative: -0.25, good: false });
    expect(changes.revenuePerActivation).toMatchObject({ current: 30, previous: 40, direction: 'DOWN', good: false });
    // The old field keeps its meaning for existing clients.
    expect(overview.change).toMatchObject({ clicks: 0.5, signups: null });
    expect(overview.change.ctr).toBeCloseTo(0.5, 12);
  });

  it('says the comparison window is empty instead of telling changes against nothing', async () => {
    const result = await ask({
      window: { from: '2026-06-10T12:00:00Z', to: '2026-06-10T13:00:00Z' },
      compareTo: { kind: 'SAME_PERIOD_LAST_WEEK' },
    });
    const overview = result.data.overview;
    expect(overview.comparisonWindow).toMatchObject({
      from: '2026-06-03T12:00:00.000Z',
      to: '2026-06-03T13:00:00.000Z',
    });
    expect(overview.comparisonHasData).toBe(false);
    expect(overview.current.clicks).toBe(36);
    for (const delta of overview.changes as Delta[]) {
      expect(delta, delta.metric).toMatchObject({ absolute: null, relative: null, direction: null, good: null });
    }
  });

  // Local Monday 09:00–17:00 and the whole Sunday of each change, a week earlier in local time: 167 h back in March
  // (the week lost an hour), 169 h in November; the Sunday of spring-forward is 23 h long, the Sunday before 24 h.
  const dstCases: [string, { from: string; to: string }, { from: string; to: string }, number][] = [
    [
      'Monday after spring-forward',
      { from: '2026-03-09T13:00:00.000Z', to: '2026-03-09T21:00:00.000Z' },
      { from: '2026-03-02T14:00:00.000Z', to: '2026-03-02T22:00:00.000Z' },
      167,
    ],
    [
      'the 23-hour Sunday of spring-forward',
      { from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z' },
      { from: '2026-03-01T05:00:00.000Z', to: '2026-03-02T05:00:00.000Z' },
      168,
    ],
    [
      'Monday after fall-back',
      { from: '2026-11-02T14:00:00.000Z', to: '2026-11-02T22:00:00.000Z' },
      { from: '2026-10-26T13:00:00.000Z', to: '2026-10-26T21:00:00.000Z' },
      169,
    ],
  ];

  for (const [name, window, lastWeek, hoursBack] of dstCases) {
    it(`same period last week in America/New_York: ${name} (${hoursBack} h back at the start), equal to brute force`, async () => {
      const result = await ask({
        window: { ...window, timeZone: 'America/New_York' },
        compareTo: { kind: 'SAME_PERIOD_LAST_WEEK' },
      });
      expect(result.errors).toBeUndefined();
      const overview = result.data.overview;
      expect(overview.comparison).toBe('SAME_PERIOD_LAST_WEEK');
      expect(overview.comparisonWindow).toMatchObject({ ...lastWeek, timeZone: 'America/New_York' });
      expect(Date.parse(window.from) - Date.parse(lastWeek.from)).toBe(hoursBack * HOUR);

      const { pool } = clients;
      const [current] = await bruteForce(pool, window);
      const [previous] = await bruteForce(pool, lastWeek);
      expectTotals(overview.current, current, 'current');
      expectTotals(overview.previous, previous, 'previous');
      // The fixture tells the zone-aware week from a plain 168 hours (which would compare other local hours).
      const [plainWeek] = await bruteForce(pool, {
        from: Date.parse(window.from) - 168 * HOUR,
        to: Date.parse(window.to) - 168 * HOUR,
      });
      if (hoursBack !== 168) expect(previous!.impressions - plainWeek!.impressions).toBeGreaterThan(1_000);

      expect(overview.comparisonHasData).toBe(true);
      const now = kpisFromSums(current!);
      const then = kpisFromSums(previous!);
      for (const [metric, delta] of Object.entries(byMetric(overview.changes))) {
        const name = metric as keyof typeof now;
        const [a, b] = [now[name], then[name]];
        expect(delta.unit, metric).toBe(
          metricView(name).changeUnit === 'percentagePoints' ? 'PERCENTAGE_POINTS' : 'PERCENT',
        );
        if (a === null || b === null) {
          expect(delta.absolute, metric).toBeNull();
          continue;
        }
        expect(delta.absolute!, metric).toBeCloseTo(a - b, 6);
        if (b === 0) expect(delta.relative, metric).toBe(a === 0 ? 0 : null);
        else expect(delta.relative!, metric).toBeCloseTo((a - b) / b, 6);
      }
    });
  }

  it('compares with a custom range of another length, equal to brute force', async () => {
    const range = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T12:00:00.000Z' };
    const result = await ask({
      window: { from: '2026-03-09T00:00:00Z', to: '2026-03-10T00:00:00Z', timeZone: 'Asia/Kolkata' },
      compareTo: { kind: 'CUSTOM', ...range },
      filter: { channels: ['meta'] },
    });
    expect(result.errors).toBeUndefined();
    const overview = result.data.overview;
    expect(overview.comparison).toBe('CUSTOM');
    expect(overview.comparisonWindow).toMatchObject({ ...range, minutes: 3600, timeZone: 'Asia/Kolkata' });
    const [previous] = await bruteForce(clients.pool, range, { channels: ['meta'] });
    expect(previous!.impressions).toBeGreaterThan(0);
    expectTotals(overview.previous, previous, 'custom range');
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['CUSTOM without to', { kind: 'CUSTOM', from: '2026-03-02T00:00:00Z' }, /needs both from and to/],
    ['CUSTOM without a range', { kind: 'CUSTOM' }, /needs both from and to/],
    [
      'to before from',
      { kind: 'CUSTOM', from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' },
      /at least 1 minute/,
    ],
    ['30 seconds', { kind: 'CUSTOM', from: '2026-03-02T00:00:00Z', to: '2026-03-02T00:00:30Z' }, /at least 1 minute/],
    [
      '91 days',
      { kind: 'CUSTOM', from: '2025-12-01T00:00:00Z', to: '2026-03-02T00:00:00Z' },
      /longest allowed is 129600/,
    ],
    ['a range with PREVIOUS_PERIOD', { kind: 'PREVIOUS_PERIOD', to: '2026-03-02T00:00:00Z' }, /CUSTOM comparison only/],
  ];

  for (const [name, compareTo, message] of invalid) {
    it(`refuses a comparison as InvalidArgumentError: ${name}`, async () => {
      const result = await ask({ window: { lastMinutes: 60 }, compareTo });
      expect(result.errors).toBeUndefined();
      expect(result.data.overview).toMatchObject({ __typename: 'InvalidArgumentError', argument: 'compareTo' });
      expect(result.data.overview.message).toMatch(message);
    });
  }

  it('liveOverview takes the comparison and refuses a bad one at subscribe', async () => {
    const query = /* GraphQL */ `
      subscription ($window: WindowInput!, $compareTo: ComparisonInput) {
        liveOverview(window: $window, compareTo: $compareTo) {
          comparison
          comparisonWindow {
            from
            to
          }
          previous {
            impressions
          }
          changes {
            metric
            absolute
            unit
          }
        }
      }
    `;
    const window = { from: '2026-03-09T13:00:00Z', to: '2026-03-09T21:00:00Z', timeZone: 'America/New_York' };
    const live = collect(server.current.wsUrl, query, { window, compareTo: { kind: 'SAME_PERIOD_LAST_WEEK' } });
    try {
      const first = await live.next();
      expect(first.errors).toBeUndefined();
      expect(first.data.liveOverview.comparisonWindow).toEqual({
        from: '2026-03-02T14:00:00.000Z',
        to: '2026-03-02T22:00:00.000Z',
      });
      const [previous] = await bruteForce(clients.pool, first.data.liveOverview.comparisonWindow);
      expect(first.data.liveOverview.previous.impressions).toBe(previous!.impressions);
    } finally {
      await live.dispose();
    }
    const bad = collect(server.current.wsUrl, query, { window, compareTo: { kind: 'CUSTOM' } });
    try {
      const refused = await bad.next().catch((error: unknown) => ({ errors: [error as { message: string }] }));
      expect(JSON.stringify(refused.errors)).toMatch(/needs both from and to/);
    } finally {
      await bad.dispose();
    }
  });
});
