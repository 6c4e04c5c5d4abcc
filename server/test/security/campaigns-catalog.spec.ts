import { CAMPAIGN_LIMITS } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import { postJson, send } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, ingestAuth, readAuth, useSecurityServer } from './testkit/server.ts';

// Campaign settings are a new door: updateCampaign needs the admin scope (like alert rules and channels), every input
// is bounded by the domain's CAMPAIGN_LIMITS, and refusals are typed results or clear errors, never internals.
const ADMIN_TOKEN = 'security-admin-token';
const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const server = useSecurityServer({ ADMIN_TOKEN });

const UPDATE = /* GraphQL */ `
  mutation ($campaignId: String!, $input: CampaignInput!) {
    updateCampaign(campaignId: $campaignId, input: $input) {
      __typename
      ... on Campaign {
        campaignId
        name
      }
      ... on CampaignValidationError {
        message
        issues {
          field
          message
        }
      }
    }
  }
`;
const input = (overrides: Record<string, unknown> = {}) => ({
  name: 'Campaign',
  status: 'ACTIVE',
  currency: 'USD',
  tags: [],
  spendSource: 'EVENTS',
  ...overrides,
});

async function gql(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await postJson(server.baseUrl, '/graphql', { query, variables }, headers);
  expectNoInternals(response.body);
  return { status: response.status, body: JSON.parse(response.body) };
}

const catalogSize = async () => (await server.sql('SELECT count(*)::int AS n FROM campaigns'))[0].n as number;

describe('who may change campaign settings', () => {
  it('refuses updateCampaign without the admin token (no token at the door, read and ingest tokens by scope)', async () => {
    const noToken = await send(server.baseUrl, {
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: UPDATE, variables: { campaignId: 'camp_x', input: input() } }),
    });
    expect(noToken.status).toBe(401);
    expectNoInternals(noToken.body);
    for (const auth of [readAuth, ingestAuth]) {
      const { body } = await gql(UPDATE, { campaignId: 'camp_x', input: input() }, auth);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.errors?.[0]?.message).toContain('ADMIN_TOKEN');
    }
    expect(await catalogSize()).toBe(0);
  });

  it('the admin token changes settings and reads them back', async () => {
    const { body } = await gql(UPDATE, { campaignId: 'camp_admin', input: input({ name: 'Admin' }) }, adminAuth);
    expect(body.data.updateCampaign).toEqual({ __typename: 'Campaign', campaignId: 'camp_admin', name: 'Admin' });
    const read = await gql('{ campaigns { campaignId name } }', {}, adminAuth);
    expect(read.body.data.campaigns).toEqual([{ campaignId: 'camp_admin', name: 'Admin' }]);
  });
});

describe('campaign inputs are bounded', () => {
  it('refuses out-of-range settings with every issue, storing nothing', async () => {
    const { maxLength } = CAMPAIGN_LIMITS.name;
    const bad = {
      name: 'n'.repeat(maxLength + 1),
      dailyBudget: CAMPAIGN_LIMITS.dailyBudget.max * 10,
      targetCpa: -1,
      tags: ['t'.repeat(CAMPAIGN_LIMITS.tags.maxLength + 1)],
      startsOn: '2026-02-30',
      currency: 'US',
    };
    const { body } = await gql(UPDATE, { campaignId: 'c'.repeat(129), input: input(bad) }, adminAuth);
    const result = body.data.updateCampaign;
    expect(result.__typename).toBe('CampaignValidationError');
    expect(result.issues.map((issue: { field: string }) => issue.field).sort()).toEqual(
      ['campaignId', 'currency', 'dailyBudget', 'name', 'startsOn', 'tags', 'targetCpa'].sort(),
    );
    expect(await catalogSize()).toBe(1);
  });

  it('refuses text PostgreSQL cannot store, unknown enum values and a huge tag list with clear errors', async () => {
    const nul = await gql(UPDATE, { campaignId: 'camp_nul', input: input({ name: 'a\u0000b' }) }, adminAuth);
    expect(nul.body.errors?.[0]?.message).toMatch(/name/);
    const status = await gql(UPDATE, { campaignId: 'camp_enum', input: input({ status: 'DELETED' }) }, adminAuth);
    expect(status.body.errors?.[0]?.message).toMatch(/CampaignStatus/);
    const tags = Array.from({ length: 50_000 }, (_, i) => `tag${i}`);
    const many = await gql(UPDATE, { campaignId: 'camp_tags', input: input({ tags }) }, adminAuth);
    expect(many.body.data.updateCampaign.issues).toEqual([
      { field: 'tags', message: `at most ${CAMPAIGN_LIMITS.tags.maxCount} tags` },
    ]);
    expect(await catalogSize()).toBe(1);
  });

  it('the server stays up and within its memory cap', async () => {
    await expectServerFine(server, 'campaign settings abuse');
  });
});
