import { createDatabaseClients, storeEvents, type DatabaseClients } from '@pmd/db';
import { PACING_HISTORY_WEEKS, projectPacing } from '@pmd/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bruteForce, randomEvents, seededRandom, toEventRow } from '@pmd/testkit';
import { rollUp } from '../testkit/rollup.ts';
import { graphql, useTestServer } from '../testkit/server.ts';

const DAY = 86_400_000;
const SEED = Number(process.env.READS_SEED ?? Date.now() % 1_000_000);
/** A Wednesday afternoon; four weeks back crosses New York's fall-back change (1 November). */
const AT = '2026-11-25T15:37:12.345Z';

const CAMPAIGNS = /* GraphQL */ `
  query ($timeZone: String, $at: DateTime) {
    campaigns {
      campaignId
      dailyBudget
      pacing(timeZone: $timeZone, at: $at) {
        day
        timeZone
        spendToday
        dailyBudget
        expectedShare
        fromHistory
        projectedSpend
        budgetShare
        status
        asOf
      }
    }
  }
`;
const ONE = /* GraphQL */ `
  query ($id: String!, $timeZone: String, $at: DateTime) {
    campaign(campaignId: $id) {
      __typename
      ... on Campaign {
        pacing(timeZone: $timeZone, at: $at) {
          spendToday
          projectedSpend
          status
          day
        }
      }
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation ($campaignId: String!, $input: CampaignInput!) {
    updateCampaign(campaignId: $campaignId, input: $input) {
      __typename
    }
  }
`;

interface Range {
  from: Date;
  to: Date;
}

/**
 * The pacing windows computed on their own, by PostgreSQL's tz database: today from local midnight to `at`, and the
 * same weekday of each of the last weeks, up to the same elapsed time and whole.
 */
async function windowsByDatabase(pool: DatabaseClients['pool'], at: string, zone: string) {
  const { rows } = await pool.query<{
    k: number;
    start: Date;
    end: Date;
    before_end: Date;
    day: string;
    share: number;
  }>(
    `WITH t AS (SELECT $1::timestamptz AS at, date_trunc('day', $1::timestamptz AT TIME ZONE $2) AS local_midnight)
     SELECT k, (local_midnight - k * interval '7 days') AT TIME ZONE $2 AS start,
            (local_midnight - k * interval '7 days' + interval '1 day') AT TIME ZONE $2 AS "end",
            least((local_midnight - k * interval '7 days') AT TIME ZONE $2 + (at - local_midnight AT TIME ZONE $2),
                  (local_midnight - k * interval '7 days' + interval '1 day') AT TIME ZONE $2) AS before_end,
            to_char(local_midnight, 'YYYY-MM-DD') AS day,
            extract(epoch FROM at - local_midnight AT TIME ZONE $2)
              / extract(epoch FROM (local_midnight + interval '1 day') AT TIME ZONE $2 - local_midnight AT TIME ZONE $2)
              AS share
     FROM t, generate_series(0, $3) AS k ORDER BY k`,
    [at, zone, PACING_HISTORY_WEEKS],
  );
  const [today, ...history] = rows;
  return {
    day: today!.day,
    elapsedShare: Number(today!.share),
    today: { from: today!.start, to: new Date(at) } as Range,
    history: history.map((row) => ({
      before: { from: row.start, to: row.before_end } as Range,
      whole: { from: row.start, to: row.end } as Range,
    })),
  };
}

/** Spend per campaign in a window, by brute force over the ledger. */
async function spendOf(pool: DatabaseClients['pool'], range: Range): Promise<Map<string, number>> {
  const rows = await bruteForce(pool, range, { groupBy: ['campaign_id'] });
  return new Map(rows.map((row) => [row.campaign_id!, row.spend]));
}

describe(`campaign pacing equals brute force (seed ${SEED})`, () => {
  const server = useTestServer({ config: { reportingTimeZone: 'America/New_York' } });
  let clients: DatabaseClients;
  const budgets: Record<string, number | null> = {
    camp_google_brand: 40,
    camp_meta_prospecting: 5,
    camp_tiktok_creative: 400,
    camp_email_reactivation: null,
  };

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const random = seededRandom(SEED);
    const at = Date.parse(AT);
    const events = randomEvents(random, 8_000, { from: at - 36 * DAY, to: at + DAY });
    await storeEvents(clients.pool, events.map(toEventRow), { notify: false });
    // A campaign with spend only today: no history, so the straight line.
    const fresh = randomEvents(random, 50, {
      from: at - 3_600_000,
      to: at,
      keys: [{ campaign_id: 'camp_fresh', channel: 'google' }],
    });
    await storeEvents(clients.pool, fresh.map(toEventRow), { notify: false });
    for (const [campaignId, dailyBudget] of Object.entries({ ...budgets, camp_fresh: 10 })) {
      const input = {
        name: campaignId,
        status: 'ACTIVE',
        currency: 'USD',
        tags: [],
        spendSource: 'EVENTS',
        dailyBudget,
      };
      expect(
        (await graphql(server.current.baseUrl, UPDATE, { campaignId, input })).data.updateCampaign.__typename,
      ).toBe('Campaign');
    }
    // Some hours rolled up, some not: the sums read every storage state.
    await rollUp(clients.pool, { before: new Date(at - 2 * DAY), days: true });
  }, 120_000);

  afterAll(async () => {
    await clients?.close();
  });

  for (const timeZone of ['UTC', 'America/New_York']) {
    it(`${timeZone}: every campaign's pacing at a fixed instant equals projectPacing over brute-force sums`, async () => {
      const { pool } = clients;
      const windows = await windowsByDatabase(pool, AT, timeZone);
      const today = await spendOf(pool, windows.today);
      const before = await Promise.all(windows.history.map((day) => spendOf(pool, day.before)));
      const whole = await Promise.all(windows.history.map((day) => spendOf(pool, day.whole)));
      const total = (maps: Map<string, number>[], id: string) => maps.reduce((sum, map) => sum + (map.get(id) ?? 0), 0);

      const result = await graphql(server.current.baseUrl, CAMPAIGNS, { timeZone, at: AT });
      expect(result.errors).toBeUndefined();
      const campaigns = result.data.campaigns;
      expect(campaigns.length).toBe(5);
      const statuses = new Set<string | null>();
      for (const campaign of campaigns) {
        const id = campaign.campaignId as string;
        const expected = projectPacing({
          spendToday: today.get(id) ?? 0,
          dailyBudget: campaign.dailyBudget,
          elapsedShare: windows.elapsedShare,
          historySpendBefore: total(before, id),
          historySpendTotal: total(whole, id),
        });
        const pacing = campaign.pacing;
        expect(pacing.day, id).toBe(windows.day);
        expect(pacing.timeZone).toBe(timeZone);
        expect(pacing.asOf).toBe(AT);
        expect(pacing.fromHistory, id).toBe(expected.fromHistory);
        expect(pacing.status, id).toBe(expected.status?.toUpperCase() ?? null);
        for (const field of ['spendToday', 'expectedShare', 'projectedSpend'] as const) {
          expect(pacing[field], `${id} ${field}`).toBeCloseTo(expected[field], 6);
        }
        if (expected.budgetShare === null) expect(pacing.budgetShare).toBeNull();
        else expect(pacing.budgetShare).toBeCloseTo(expected.budgetShare, 6);
        statuses.add(pacing.status);
      }
      // The data is meant to exercise history and the straight line, and budgets with and without a status.
      expect(campaigns.find((c: any) => c.campaignId === 'camp_fresh').pacing.fromHistory).toBe(false);
      expect(campaigns.find((c: any) => c.campaignId === 'camp_google_brand').pacing.fromHistory).toBe(true);
      expect(statuses.has(null)).toBe(true);

      // One campaign alone reads the same as in the list.
      const one = await graphql(server.current.baseUrl, ONE, { id: 'camp_google_brand', timeZone, at: AT });
      const listed = campaigns.find((c: any) => c.campaignId === 'camp_google_brand').pacing;
      expect(one.data.campaign.pacing).toEqual({
        spendToday: listed.spendToday,
        projectedSpend: listed.projectedSpend,
        status: listed.status,
        day: listed.day,
      });
    }, 60_000);
  }

  it('defaults to the reporting zone and now; an unknown zone is a clear error', async () => {
    const result = await graphql(server.current.baseUrl, ONE, { id: 'camp_google_brand' });
    expect(result.errors).toBeUndefined();
    const bad = await graphql(server.current.baseUrl, ONE, { id: 'camp_google_brand', timeZone: 'Mars/Olympus' });
    expect(bad.errors?.[0]?.message).toMatch(/timeZone must be an IANA time zone/);
    expect(JSON.stringify(bad)).not.toMatch(/at .*\.ts:\d+/);
  });
});
