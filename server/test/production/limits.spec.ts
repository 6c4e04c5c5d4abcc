import { describe, expect, it } from 'vitest';
import { REQUEST_LIMITS } from '../../src/plugins/limits.ts';
import { restEvent } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

describe('request limits, CORS and security headers', () => {
  const server = useTestServer();

  it('refuses a query nested too deeply, with a clear error', async () => {
    let selection = 'id';
    for (let depth = 0; depth < 14; depth++) selection = `node { ${selection} }`;
    const result = await graphql(server.current.baseUrl, `{ alerts(first: 1) { edges { ${selection} } } }`);
    expect(result.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('refuses too many aliases and too many tokens', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `t${i}: serverTime`).join(' ');
    expect((await graphql(server.current.baseUrl, `{ ${aliases} }`)).errors?.[0]?.message).toMatch(/alias/i);
    const tokens = Array.from({ length: 6000 }, () => 'serverTime').join(' ');
    expect(JSON.stringify((await graphql(server.current.baseUrl, `{ ${tokens} }`)).errors)).toMatch(/token limit/i);
  });

  it('keeps introspection for GraphiQL', async () => {
    const result = await graphql(server.current.baseUrl, '{ __schema { queryType { name } } }');
    expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ serverTime }', padding: 'x'.repeat(REQUEST_LIMITS.maxBodyBytes) }),
    });
    expect(response.status).toBe(413);
    expect(JSON.stringify(await response.json())).toMatch(
      new RegExp(`exceeds the ${REQUEST_LIMITS.maxBodyBytes}-byte limit`),
    );
  });

  it('sends security headers and answers CORS preflights for the dashboard', async () => {
    const health = await fetch(`${server.current.baseUrl}/health`);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('DENY');
    const preflight = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:8501',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(/\*|http:\/\/localhost:8501/);
  });

  it('does not count a refused event as ingested: one bad event never sinks a batch', async () => {
    const response = await fetch(`${server.current.baseUrl}/events/batch`, {
      method: 'POST',
      body: JSON.stringify([restEvent(1, 'limits'), { event_id: '' }]),
    });
    expect(await response.json()).toMatchObject({ ingested: 1, duplicates: 0, rejected: [{ index: 1 }] });
  });
});
