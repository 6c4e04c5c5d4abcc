import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.ts';
import { graphql, useTestServer } from './testkit/server.ts';

describe('server skeleton', () => {
  const server = useTestServer();

  it('answers GET /health with {"status":"ok"} when the database is reachable', async () => {
    const response = await fetch(`${server.current.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"status":"ok"}');
  });

  it('serves GraphiQL at /graphql for a browser', async () => {
    const response = await fetch(`${server.current.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('GraphiQL');
  });

  it('answers GraphQL over HTTP', async () => {
    const result = await graphql<{ serverTime: string }>(server.current.baseUrl, '{ serverTime }');
    expect(result.errors).toBeUndefined();
    expect(Math.abs(Date.parse(result.data!.serverTime) - Date.now())).toBeLessThan(5_000);
  });

  it('answers GraphQL over graphql-ws websockets through the same pipeline', async () => {
    const client = createClient({ url: server.current.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const result = await new Promise<any>((resolve, reject) => {
        client.subscribe({ query: '{ serverTime }' }, { next: resolve, error: reject, complete: () => {} });
      });
      expect(result.errors).toBeUndefined();
      expect(typeof result.data.serverTime).toBe('string');
    } finally {
      await client.dispose();
    }
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const response = await fetch(`${server.current.baseUrl}/health`, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('GET /health without a database', () => {
  it('answers 503 with the reason', async () => {
    const app = buildApp({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none' });
    try {
      const response = await app.yoga.fetch('http://localhost/health');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; reason: string };
      expect(body.status).toBe('unavailable');
      expect(body.reason).toMatch(/database unreachable/);
    } finally {
      await app.stop();
    }
  });
});
