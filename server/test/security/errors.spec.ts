import { freePort } from '@pmd/db';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { send, postJson } from './testkit/http.ts';
import { graphqlEvent, restEvent } from '@pmd/testkit';
import { INGEST } from '../testkit/server.ts';
import { expectNoInternals, expectServerFine, ingestAuth, readAuth, useSecurityServer } from './testkit/server.ts';

// Malformed requests get a short 4xx, never a stack trace, a file path or an address.
const server = useSecurityServer();

describe('malformed requests', () => {
  it('a malformed Host header gets 400', async () => {
    const response = await send(server.baseUrl, { path: '/health', headers: { host: '[::1' } });
    expect(response.status).toBe(400);
    expectNoInternals(response.body);
  });

  it('a percent-encoding error in a path parameter gets 400', async () => {
    const response = await send(server.baseUrl, { path: '/campaigns/%ZZ/kpis', headers: readAuth });
    expect(response.status).toBe(400);
    expectNoInternals(response.body);
  });

  it('a NUL byte in a path parameter gets 422 naming campaign_id', async () => {
    const response = await send(server.baseUrl, { path: '/campaigns/a%00b/kpis', headers: readAuth });
    expect(response.status).toBe(422);
    expect(response.body).toContain('campaign_id');
    expectNoInternals(response.body);
  });

  it('a NUL byte in a GraphQL string argument gets BAD_USER_INPUT (HTTP 422), inline or in variables', async () => {
    const inline = await postJson(
      server.baseUrl,
      '/graphql',
      { query: '{ campaign(campaignId: "a\\u0000b") { __typename } }' },
      readAuth,
    );
    expect(inline.status).toBe(422);
    expect(JSON.parse(inline.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expectNoInternals(inline.body);
    const viaVariables = await postJson(
      server.baseUrl,
      '/graphql',
      { query: 'query($id: String!) { campaign(campaignId: $id) { __typename } }', variables: { id: 'a\u0000b' } },
      readAuth,
    );
    expect(viaVariables.status).toBe(422);
    expect(JSON.parse(viaVariables.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expectNoInternals(viaVariables.body);
  });

  it('syntax errors, unknown paths and malformed JSON get 4xx without internals', async () => {
    const cases = [
      await send(server.baseUrl, { path: '/no/such/path', headers: readAuth }),
      await postJson(server.baseUrl, '/graphql', { query: '{ campaigns { ' }, readAuth),
      await send(server.baseUrl, {
        path: '/graphql',
        headers: { 'content-type': 'application/json', ...readAuth },
        body: '{"query": "{ __typename }"',
      }),
      await send(server.baseUrl, {
        path: '/events/batch',
        headers: { 'content-type': 'application/json', authorization: 'Bearer security-ingest-token' },
        body: '[{"event_id": ',
      }),
    ];
    // GraphQL over HTTP answers a document's syntax error with 200 and `errors` when the client accepts plain JSON.
    const allowed = [[404], [200, 400], [400], [400, 422]];
    cases.forEach((response, i) => {
      expect(allowed[i], `case ${i}: ${response.status} ${response.body}`).toContain(response.status);
      expectNoInternals(response.body);
    });
    expect(JSON.parse(cases[1]!.body).errors[0].message).toMatch(/Syntax Error/);
    await expectServerFine(server, 'errors');
  });

  // EventInput.ts became a String (checked by the ingest rules, as over REST): any text must reject only its event.
  it('an EventInput.ts of any text rejects only its event, by index, and stores the valid one', async () => {
    const valid = graphqlEvent(restEvent(0, 'ts-abuse'));
    const events = [
      { ...valid, eventId: 'ts-abuse-huge', ts: '2026-'.repeat(200_000) },
      { ...valid, eventId: 'ts-abuse-nul', ts: '2026-12-02T00:00:00\u0000Z' },
      { ...valid, eventId: 'ts-abuse-words', ts: 'yesterday at noon' },
      valid,
    ];
    const response = await postJson(server.baseUrl, '/graphql', { query: INGEST, variables: { events } }, ingestAuth);
    expect(response.status).toBe(200);
    expectNoInternals(response.body);
    const result = JSON.parse(response.body).data.ingestEvents;
    expect(result).toMatchObject({ received: 4, stored: 1, duplicates: 0 });
    expect(result.rejected.map((rejected: { index: number }) => rejected.index)).toEqual([0, 1, 2]);
    for (const rejected of result.rejected) expect(rejected.reasons.join(' ')).toMatch(/^ts: /);
    expect(await server.sql("SELECT event_id FROM raw_events WHERE event_id LIKE 'ts-abuse%'")).toEqual([
      { event_id: valid.eventId },
    ]);
    await expectServerFine(server, 'EventInput.ts abuse');
  });
});

describe('/health', () => {
  it("says only 'database unreachable' when the database is down, not its address", async () => {
    const port = await freePort(0);
    const app = buildApp({ databaseUrl: `postgresql://postgres:secret@127.0.0.1:${port}/nowhere` });
    try {
      const response = await app.yoga.fetch('http://localhost/health');
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      expect(text).not.toContain(String(port));
      expect(text).not.toContain('127.0.0.1');
      expectNoInternals(text);
    } finally {
      await app.context.pool.end();
    }
  });
});
