import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { restEvent } from '@pmd/testkit';
import { expectRefusedWhileStreaming, postJson, send, upload } from './testkit/http.ts';
import {
  expectNoInternals,
  expectServerFine,
  ingestAuth,
  metricsAuth,
  readAuth,
  useSecurityServer,
} from './testkit/server.ts';

// The front door (server/src/door/front-door.ts): the token from the headers before any body byte, then the body
// bounded while it streams.
const server = useSecurityServer();

const MiB = 1024 * 1024;
const wrongAuth = { authorization: 'Bearer not-the-token' };

const restRoutes: { method: string; path: string; scope: 'ingester' | 'reader' | 'metrics' }[] = [
  { method: 'POST', path: '/events', scope: 'ingester' },
  { method: 'POST', path: '/events/batch', scope: 'ingester' },
  { method: 'POST', path: '/spend', scope: 'ingester' },
  { method: 'GET', path: '/funnels/realtime', scope: 'reader' },
  { method: 'GET', path: '/campaigns/camp_google_brand/kpis', scope: 'reader' },
  { method: 'GET', path: '/alerts/active', scope: 'reader' },
  { method: 'GET', path: '/metrics', scope: 'metrics' },
];
const tokenOf = { ingester: ingestAuth, reader: readAuth, metrics: metricsAuth };

describe('REST routes declare a scope', () => {
  it.each(restRoutes)('$method $path refuses no token, a wrong token and the other tokens with 401', async (route) => {
    const body = route.method === 'POST' ? Buffer.from(JSON.stringify(restEvent(1))) : undefined;
    const attempts: Record<string, string>[] = [
      {},
      wrongAuth,
      ...Object.entries(tokenOf)
        .filter(([scope]) => scope !== route.scope)
        .map(([, headers]) => headers),
    ];
    for (const headers of attempts) {
      const response = await send(server.baseUrl, {
        method: route.method,
        path: route.path,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(response.status, `${route.path} with ${JSON.stringify(headers)}`).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(response.body)).toEqual({ detail: expect.any(String) });
      expectNoInternals(response.body);
    }
    expect(await server.sql('SELECT count(*)::int AS n FROM raw_events')).toEqual([{ n: 0 }]);
  });

  it('the right token opens each route; /health needs none', async () => {
    for (const route of restRoutes.filter((r) => r.method === 'GET')) {
      const response = await send(server.baseUrl, { path: route.path, headers: tokenOf[route.scope] });
      expect(response.status, route.path).toBe(200);
    }
    expect((await send(server.baseUrl, { path: '/health' })).status).toBe(200);
  });
});

describe('/graphql needs a reader or an ingester token', () => {
  it('refuses POSTs and GET queries without a valid token with 401 in GraphQL shape', async () => {
    for (const headers of [{}, wrongAuth, metricsAuth]) {
      const response = await postJson(server.baseUrl, '/graphql', { query: '{ __typename }' }, headers);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }],
      });
      expectNoInternals(response.body);
    }
    const get = await send(server.baseUrl, {
      path: '/graphql?query=%7B__typename%7D',
      headers: { accept: 'text/html' },
    });
    expect(get.status).toBe(401);
  });

  it('serves the GraphiQL page without a token', async () => {
    const page = await send(server.baseUrl, { path: '/graphql', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('refuses form-urlencoded and text/plain POSTs (simple cross-site requests) with 415, after the token check', async () => {
    const mutation = 'mutation { acknowledgeAlert(id: "1") { __typename } }';
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
      ['text/plain', JSON.stringify({ query: mutation })],
    ] as const) {
      const withToken = await send(server.baseUrl, {
        path: '/graphql',
        headers: { 'content-type': type, origin: 'https://evil.example', ...readAuth },
        body,
      });
      expect(withToken.status, type).toBe(415);
      expectNoInternals(withToken.body);
      const without = await send(server.baseUrl, { path: '/graphql', headers: { 'content-type': type }, body });
      expect(without.status, type).toBe(401);
    }
  });
});

describe('bodies are bounded while they stream', () => {
  it('refuses a declared Content-Length over 16 MiB with 413 before reading it', async () => {
    const result = await upload(server.baseUrl, {
      path: '/events/batch',
      headers: ingestAuth,
      chunk: Buffer.alloc(64 * 1024, ' '),
      totalBytes: 17 * MiB,
      contentLength: 17 * MiB,
    });
    expectRefusedWhileStreaming(result, 413, 17 * MiB, 'declared 17 MiB');
    expectNoInternals(result.body);
  });

  it('refuses a chunked body once it passes 16 MiB with 413', async () => {
    const result = await upload(server.baseUrl, {
      path: '/graphql',
      headers: readAuth,
      chunk: Buffer.alloc(256 * 1024, ' '),
      totalBytes: 64 * MiB,
    });
    // The answer arrives while the client is still sending (the door lingers instead of resetting the connection).
    expect(result.status).toBe(413);
    expectNoInternals(result.body);
  });

  it('refuses more than 100,000 JSON values and nesting deeper than 32 with 413', async () => {
    const many = await send(server.baseUrl, {
      path: '/events/batch',
      headers: { 'content-type': 'application/json', ...ingestAuth },
      body: `[${Array.from({ length: 100_001 }, () => '0').join(',')}]`,
    });
    expect(many.status).toBe(413);
    expectNoInternals(many.body);
    const deep = await send(server.baseUrl, {
      path: '/graphql',
      headers: { 'content-type': 'application/json', ...readAuth },
      body: `{"query":"{ __typename }","variables":{"x":${'['.repeat(40)}${']'.repeat(40)}}}`,
    });
    expect(deep.status).toBe(413);
    expectNoInternals(deep.body);
    const fine = await send(server.baseUrl, {
      path: '/graphql',
      headers: { 'content-type': 'application/json', ...readAuth },
      body: `{"query":"{ __typename }","variables":{"x":${'['.repeat(20)}${']'.repeat(20)}}}`,
    });
    expect(fine.status).toBe(200);
  });

  it('answers 503 past the process-wide budget of bodies in flight (48 MiB)', async () => {
    // Four uploads of 14 MiB each, held open: together they pass the budget, so one is refused while it streams.
    const url = new URL(server.baseUrl);
    const requests: http.ClientRequest[] = [];
    const statuses: number[] = [];
    let sawRefusal: () => void = () => {};
    const refused = new Promise<void>((resolve) => (sawRefusal = resolve));
    for (let i = 0; i < 4; i++) {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/events/batch',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...ingestAuth },
        agent: false,
      });
      requests.push(req);
      req.on('response', (res) => {
        res.resume();
        statuses.push(res.statusCode ?? 0);
        if (res.statusCode === 503) sawRefusal();
      });
      req.on('error', () => {});
      const piece = Buffer.alloc(MiB, ' ');
      for (let sent = 0; sent < 14; sent++) req.write(piece);
    }
    await Promise.race([refused, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const req of requests) req.destroy();
    expect(statuses).toContain(503);
    await expectServerFine(server, 'four 14 MiB bodies held at once');
  });

  it('answers 408 to a body trickled at 1 byte/s, within ~20 s', async () => {
    const result = await upload(server.baseUrl, {
      path: '/events',
      headers: ingestAuth,
      chunk: Buffer.from(' '),
      totalBytes: 60,
      intervalMs: 1_000,
      contentLength: 1_000,
    });
    expect(result.status).toBe(408);
    expect(result.elapsedMs).toBeLessThan(20_000);
    expectNoInternals(result.body);
  }, 40_000);
});

describe('invalid UTF-8 is refused, not replaced', () => {
  const collide = (suffix: number) => {
    const event = { ...restEvent(7), event_id: 'collide-@' };
    const [before, after] = JSON.stringify(event).split('@') as [string, string];
    return Buffer.concat([Buffer.from(before), Buffer.from([suffix]), Buffer.from(after)]);
  };

  it('REST: a batch with ids collide-\\xff and collide-\\xfe gets 422 naming the field, and nothing is stored', async () => {
    const body = Buffer.concat([Buffer.from('['), collide(0xff), Buffer.from(','), collide(0xfe), Buffer.from(']')]);
    const response = await send(server.baseUrl, {
      path: '/events/batch',
      headers: { 'content-type': 'application/json', ...ingestAuth },
      body,
    });
    expect(response.status).toBe(422);
    const detail = JSON.parse(response.body).detail;
    expect(JSON.stringify(detail)).toContain('event_id');
    expect(detail[0].loc).toEqual(['body', 0, 'event_id']);
    expectNoInternals(response.body);
    expect(await server.sql('SELECT count(*)::int AS n FROM raw_events')).toEqual([{ n: 0 }]);
  });

  it('GraphQL variables: the same ids get 422 (BAD_USER_INPUT) naming the path, and nothing is stored', async () => {
    const event = JSON.stringify({
      eventId: 'collide-@',
      ts: restEvent(7).ts,
      userId: 'u1',
      campaignId: 'camp_google_brand',
      channel: 'google',
      eventType: 'AD_CLICK',
    });
    const [before, after] = event.split('@') as [string, string];
    const one = (suffix: number) => Buffer.concat([Buffer.from(before), Buffer.from([suffix]), Buffer.from(after)]);
    const body = Buffer.concat([
      Buffer.from(
        JSON.stringify({
          query: 'mutation($events: [EventInput!]!) { ingestEvents(events: $events) { __typename } }',
        }).slice(0, -1),
      ),
      Buffer.from(',"variables":{"events":['),
      one(0xff),
      Buffer.from(','),
      one(0xfe),
      Buffer.from(']}}'),
    ]);
    const response = await send(server.baseUrl, {
      path: '/graphql',
      headers: { 'content-type': 'application/json', ...ingestAuth },
      body,
    });
    expect(response.status).toBe(422);
    const [error] = JSON.parse(response.body).errors;
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('variables.events[0].eventId');
    expectNoInternals(response.body);
    expect(await server.sql('SELECT count(*)::int AS n FROM raw_events')).toEqual([{ n: 0 }]);
    await expectServerFine(server, 'door');
  });
});
