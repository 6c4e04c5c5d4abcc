import { createDatabaseClients, storeEvents, type DatabaseClients, type EventRow } from '@pmd/db';
import { CAMPAIGN_LIMITS, EventsIngestedPayloadSchema, NOTIFY_CHANNELS } from '@pmd/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, useTestServer } from '../testkit/server.ts';

const CAMPAIGN_FIELDS = `campaignId name objective status currency dailyBudget targetCpa targetRoas startsOn endsOn tags
  spendSource updatedAt channels firstEventAt lastEventAt`;
const UPDATE = /* GraphQL */ `
  mutation ($campaignId: String!, $input: CampaignInput!) {
    updateCampaign(campaignId: $campaignId, input: $input) {
      __typename
      ... on Campaign { ${CAMPAIGN_FIELDS} }
      ... on CampaignValidationError { message issues { field message } }
    }
  }`;
const ONE = /* GraphQL */ `
  query ($id: String!) {
    campaign(campaignId: $id) {
      __typename ... on Campaign { ${CAMPAIGN_FIELDS} } ... on NotFoundError { message }
    }
  }`;
const SORTED = /* GraphQL */ `
  query ($window: WindowInput!, $sortBy: BreakdownSort!, $descending: Boolean) {
    breakdown(window: $window, by: CAMPAIGN, sortBy: $sortBy, descending: $descending) {
      __typename
      ... on Breakdown {
        rows {
          campaignId
          totals {
            revenue
            spend
            roas
            costPerActivation
          }
        }
      }
    }
  }
`;

const SETTINGS = {
  name: 'Black Friday — search',
  objective: 'SALES',
  status: 'PAUSED',
  currency: 'EUR',
  dailyBudget: 250.5,
  targetCpa: 12.25,
  targetRoas: 3.2,
  startsOn: '2026-11-20',
  endsOn: '2026-11-30',
  tags: ['q4', 'search'],
  spendSource: 'EVENTS',
};

describe('the campaign catalog', () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const gql = (query: string, variables: Record<string, unknown>) => graphql(server.current.baseUrl, query, variables);

  beforeAll(() => {
    clients = createDatabaseClients(server.current.databaseUrl);
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('a campaign set up before its first event is listed with its settings, and ingest keeps them', async () => {
    const created = await gql(UPDATE, { campaignId: 'camp_early', input: SETTINGS });
    expect(created.errors).toBeUndefined();
    const campaign = created.data.updateCampaign;
    expect(campaign).toMatchObject({
      __typename: 'Campaign',
      campaignId: 'camp_early',
      ...SETTINGS,
      channels: [],
      firstEventAt: null,
      lastEventAt: null,
    });
    const listed = await gql(`{ campaigns { ${CAMPAIGN_FIELDS} } }`, {});
    expect(listed.data.campaigns).toContainEqual({ ...campaign, __typename: undefined });

    const ts = '2026-11-21T10:00:00.000Z';
    const event: EventRow = {
      eventId: 'early-1',
      ts,
      userId: 'u1',
      campaignId: 'camp_early',
      channel: 'google',
      eventType: 'ad_click',
      cost: 1.5,
    };
    await storeEvents(clients.pool, [event], { notify: false });
    const after = (await gql(ONE, { id: 'camp_early' })).data.campaign;
    expect(after).toMatchObject({ ...SETTINGS, channels: ['google'], firstEventAt: ts, lastEventAt: ts });
    expect(after.updatedAt).toBe(campaign.updatedAt);
  });

  it('an update replaces every setting and moves updatedAt; a never-seen id is NotFoundError', async () => {
    const first = (await gql(UPDATE, { campaignId: 'camp_edit', input: SETTINGS })).data.updateCampaign;
    const input = { ...SETTINGS, objective: null, status: 'ENDED', dailyBudget: null, tags: [], endsOn: null };
    const second = (await gql(UPDATE, { campaignId: 'camp_edit', input })).data.updateCampaign;
    expect(second).toMatchObject({ ...input, campaignId: 'camp_edit' });
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    expect((await gql(ONE, { id: 'camp_never' })).data.campaign).toEqual({
      __typename: 'NotFoundError',
      message: 'No campaign "camp_never" is known (no events, spend or settings).',
    });
  });

  it('refused settings come back as CampaignValidationError naming each field, and nothing is stored', async () => {
    const input = {
      ...SETTINGS,
      name: ' ',
      currency: 'euro',
      dailyBudget: 0,
      targetRoas: CAMPAIGN_LIMITS.targetRoas.max + 1,
      startsOn: '2026-12-01',
      endsOn: '2026-11-01',
      tags: Array.from({ length: CAMPAIGN_LIMITS.tags.maxCount + 1 }, (_, i) => `t${i}`),
    };
    const result = await gql(UPDATE, { campaignId: 'camp_refused', input });
    const error = result.data.updateCampaign;
    expect(error.__typename).toBe('CampaignValidationError');
    expect(error.issues.map((issue: { field: string }) => issue.field).sort()).toEqual(
      ['currency', 'dailyBudget', 'endsOn', 'name', 'tags', 'targetRoas'].sort(),
    );
    expect((await gql(ONE, { id: 'camp_refused' })).data.campaign.__typename).toBe('NotFoundError');
    const long = await gql(UPDATE, { campaignId: 'x'.repeat(129), input: SETTINGS });
    expect(long.data.updateCampaign.issues).toEqual([{ field: 'campaignId', message: expect.stringContaining('128') }]);
  });

  it('the campaign index sorts by money metrics, nulls (no spend, no activations) last either way', async () => {
    const at = '2026-11-22T12:00:00.000Z';
    let n = 0;
    const event = (campaignId: string, eventType: string, cost: number, revenue = 0): EventRow => ({
      eventId: `money-${n++}`,
      ts: at,
      userId: 'u',
      campaignId,
      channel: 'google',
      eventType,
      cost,
      revenue,
    });
    await storeEvents(
      clients.pool,
      [
        // ROAS 2, CPA 10
        event('camp_a', 'ad_click', 10),
        event('camp_a', 'activation', 0, 20),
        // ROAS 0.5, CPA 4 (two activations)
        event('camp_b', 'ad_click', 8),
        event('camp_b', 'activation', 0, 2),
        event('camp_b', 'activation', 0, 2),
        // revenue without spend: ROAS null, CPA 0
        event('camp_c', 'activation', 0, 50),
        // spend without activations: CPA null, ROAS 0
        event('camp_d', 'ad_click', 3),
      ],
      { notify: false },
    );
    const window = { from: '2026-11-22T11:00:00Z', to: '2026-11-22T13:00:00Z', timeZone: 'UTC' };
    const order = async (sortBy: string, descending: boolean) => {
      const result = await gql(SORTED, { window, sortBy, descending });
      expect(result.errors).toBeUndefined();
      return result.data.breakdown.rows.map((row: { campaignId: string }) => row.campaignId);
    };
    expect(await order('ROAS', true)).toEqual(['camp_a', 'camp_b', 'camp_d', 'camp_c']);
    expect(await order('ROAS', false)).toEqual(['camp_d', 'camp_b', 'camp_a', 'camp_c']);
    expect(await order('COST_PER_ACTIVATION', true)).toEqual(['camp_a', 'camp_b', 'camp_c', 'camp_d']);
    expect(await order('COST_PER_ACTIVATION', false)).toEqual(['camp_c', 'camp_b', 'camp_a', 'camp_d']);
    expect(await order('REVENUE', true)).toEqual(['camp_c', 'camp_a', 'camp_b', 'camp_d']);
    expect(await order('REVENUE_PER_ACTIVATION', true)).toEqual(['camp_c', 'camp_a', 'camp_b', 'camp_d']);
  });

  it('a spend-source change and an import into an imports-sourced campaign tell live views (events-ingested)', async () => {
    const listener = new pg.Client({ connectionString: server.current.databaseUrl });
    await listener.connect();
    const payloads: unknown[] = [];
    listener.on('notification', (message) => payloads.push(JSON.parse(message.payload ?? '')));
    await listener.query(`LISTEN ${NOTIFY_CHANNELS.eventsIngested}`);
    const next = async (count: number) => {
      for (let i = 0; i < 100 && payloads.length < count; i++) await new Promise((r) => setTimeout(r, 50));
      expect(payloads.length).toBe(count);
      return EventsIngestedPayloadSchema.parse(payloads[count - 1]);
    };
    try {
      const event: EventRow = {
        eventId: 'live-1',
        ts: '2026-11-23T08:00:30.000Z',
        userId: 'u',
        campaignId: 'camp_live',
        channel: 'google',
        eventType: 'ad_click',
        cost: 2,
      };
      await storeEvents(clients.pool, [event], { notify: false });
      await gql(UPDATE, { campaignId: 'camp_live', input: { ...SETTINGS, spendSource: 'IMPORTS' } });
      expect(await next(1)).toMatchObject({ stored: 0, campaignIds: ['camp_live'], minTs: '2026-11-23T08:00:00.000Z' });
      const imported = await gql(
        `mutation { importSpend(rows: [{ hour: "2026-11-23T09:00", campaignId: "camp_live", channel: "google", spend: 5 }],
           timeZone: "UTC") { __typename } }`,
        {},
      );
      expect(imported.data.importSpend.__typename).toBe('SpendImportResult');
      expect(await next(2)).toMatchObject({ campaignIds: ['camp_live'], minTs: '2026-11-23T09:00:00.000Z' });
      // An events-sourced campaign's imports change no rollup: nothing to tell.
      await gql(
        `mutation { importSpend(rows: [{ date: "2026-11-23", campaignId: "camp_a", channel: "google", spend: 5 }]) { __typename } }`,
        {},
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(payloads).toHaveLength(2);
    } finally {
      await listener.end();
    }
  });
});
