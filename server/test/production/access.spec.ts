import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { restEvent, graphqlEvent } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

const READ = { authorization: 'Bearer reader-secret' };

describe('READ_TOKEN and the ingest rate limit', () => {
  const server = useTestServer({
    config: {
      readToken: 'reader-secret',
      ingestToken: 'ingest-secret',
      metricsToken: 'metrics-secret',
      ingestRateLimit: 20,
      ingestRateBurst: 20,
    },
  });

  it('guards GraphQL reads and introspection, but keeps the GraphiQL page open', async () => {
    const denied = await graphql(server.current.baseUrl, '{ campaigns { campaignId } }');
    expect(denied.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    const allowed = await graphql(server.current.baseUrl, '{ campaigns { campaignId } }', undefined, READ);
    expect(allowed).toEqual({ data: { campaigns: [] } });
    const introspection = await graphql(server.current.baseUrl, '{ __type(name: "Alert") { name } }');
    expect(introspection.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    const withToken = await graphql(server.current.baseUrl, '{ __type(name: "Alert") { name } }', undefined, READ);
    expect(withToken.data).toEqual({ __type: { name: 'Alert' } });
    const page = await fetch(`${server.current.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
  });

  it('guards acknowledging alerts with the read token, not the ingest token', async () => {
    const mutation = 'mutation { acknowledgeAlert(id: "999") { __typename } }';
    const withIngestToken = await graphql(server.current.baseUrl, mutation, undefined, {
      authorization: 'Bearer ingest-secret',
    });
    expect(withIngestToken.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const withReadToken = await graphql(server.current.baseUrl, mutation, undefined, READ);
    expect(withReadToken.data).toEqual({ acknowledgeAlert: { __typename: 'NotFoundError' } });
  });

  it('guards /metrics with METRICS_TOKEN, which no other token replaces', async () => {
    expect((await fetch(`${server.current.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.current.baseUrl}/metrics`, { headers: READ })).status).toBe(401);
    const allowed = await fetch(`${server.current.baseUrl}/metrics`, {
      headers: { authorization: 'Bearer metrics-secret' },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/pmd_ingest_events_total/);
  });

  it('guards the REST reads with 401 and leaves /health open', async () => {
    expect((await fetch(`${server.current.baseUrl}/alerts/active`)).status).toBe(401);
    expect((await fetch(`${server.current.baseUrl}/alerts/active`, { headers: READ })).status).toBe(200);
    expect((await fetch(`${server.current.baseUrl}/health`)).status).toBe(200);
  });

  it('guards websocket subscriptions through the connection parameters', async () => {
    const subscribe = (connectionParams: Record<string, string>) => {
      const client = createClient({
        url: server.current.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams,
      });
      return new Promise<any>((resolve) => {
        client.subscribe(
          { query: 'subscription { heartbeat(intervalSeconds: 1) }' },
          { next: (value) => resolve(value), error: (error) => resolve({ error }), complete: () => {} },
        );
      }).finally(() => client.dispose());
    };
    const denied = await subscribe({});
    expect(denied.error).toMatchObject({ code: 4403 });
    const allowed = await subscribe({ authorization: 'Bearer reader-secret' });
    expect(typeof allowed.data?.heartbeat).toBe('string');
  });

  it('answers 429 with Retry-After once a client exceeds its events per second, on both doors', async () => {
    const headers = { authorization: 'Bearer ingest-secret', 'content-type': 'application/json' };
    const batch = (from: number) => Array.from({ length: 15 }, (_, i) => restEvent(from + i, 'rate'));
    const first = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      headers,
      body: JSON.stringify(batch(0)),
    });
    expect(first.status).toBe(200);
    const second = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      headers,
      body: JSON.stringify(batch(100)),
    });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await second.json()) as { detail: string }).detail).toMatch(/20 events\/s/);
    const graphqlResponse = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: 'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { __typename } }',
        variables: { events: batch(200).map(graphqlEvent) },
      }),
    });
    expect(graphqlResponse.status).toBe(429);
    const body = (await graphqlResponse.json()) as any;
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
