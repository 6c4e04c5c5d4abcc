import { beforeAll, describe, expect, it } from 'vitest';
import { restEvent, graphqlEvent } from '@pmd/testkit';
import { postJson } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, ingestAuth, readAuth, useSecurityServer } from './testkit/server.ts';

// Fields declare their scope (@pothos/plugin-scope-auth); nesting a field in fragments or aliases changes nothing.
const server = useSecurityServer();

let alertId = '';
const alertStatus = async () =>
  (await server.sql('SELECT status FROM alerts WHERE alert_id = $1', [Number(alertId)]))[0]?.status;

beforeAll(async () => {
  const [row] = await server.sql(
    `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
     VALUES ('camp_google_brand', 'google', 'ctr_drop', 0.01, 0.05, 0.5, 'CTR dropped') RETURNING alert_id`,
  );
  alertId = String(row.alert_id);
});

const acknowledgeShapes = () => ({
  'inline fragment on Mutation': `mutation { ... on Mutation { acknowledgeAlert(id: "${alertId}") { __typename ... on Alert { message } } } }`,
  'named fragment': `mutation { ...M } fragment M on Mutation { acknowledgeAlert(id: "${alertId}") { __typename } }`,
  alias: `mutation { harmless: acknowledgeAlert(id: "${alertId}") { __typename } }`,
  'alias in an inline fragment': `mutation { ... { x: acknowledgeAlert(id: "${alertId}") { __typename } } }`,
  plain: `mutation { acknowledgeAlert(id: "${alertId}") { __typename } }`,
});

describe('acknowledgeAlert needs the reader scope', () => {
  it('refuses every shape of the mutation with only the ingest token (UNAUTHENTICATED), and the alert stays firing', async () => {
    for (const [shape, query] of Object.entries(acknowledgeShapes())) {
      const response = await postJson(server.baseUrl, '/graphql', { query }, ingestAuth);
      const body = JSON.parse(response.body);
      expect(body.data ?? null, shape).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, shape).toBe('UNAUTHENTICATED');
      expectNoInternals(response.body);
      expect(await alertStatus(), shape).toBe('firing');
    }
  });

  it('acknowledges with the read token (the control)', async () => {
    const response = await postJson(server.baseUrl, '/graphql', { query: acknowledgeShapes().plain }, readAuth);
    expect(JSON.parse(response.body)).toEqual({ data: { acknowledgeAlert: { __typename: 'Alert' } } });
    expect(await alertStatus()).toBe('acknowledged');
  });
});

describe('ingest needs the ingester scope', () => {
  it('refuses ingestEvents with only the read token, however it is nested, and stores nothing', async () => {
    const variables = { events: [graphqlEvent(restEvent(1, 'scope'))] };
    for (const query of [
      'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { __typename } }',
      'mutation($events: [EventInput!]!) { ... on Mutation { a: ingestEvents(events: $events) { __typename } } }',
    ]) {
      const response = await postJson(server.baseUrl, '/graphql', { query, variables }, readAuth);
      expect(JSON.parse(response.body).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await server.sql('SELECT count(*)::int AS n FROM raw_events')).toEqual([{ n: 0 }]);
  });

  it('refuses reads with only the ingest token', async () => {
    for (const query of ['{ campaigns { campaignId } }', '{ ... on Query { c: campaigns { campaignId } } }']) {
      const response = await postJson(server.baseUrl, '/graphql', { query }, ingestAuth);
      expect(JSON.parse(response.body).errors?.[0]?.extensions?.code, query).toBe('UNAUTHENTICATED');
    }
    await expectServerFine(server, 'graphql-auth');
  });
});
