import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createDatabaseClients } from '@pmd/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSION_MIN_BYTES } from '../src/http/content-encoding.ts';
import { useTestServer } from './testkit/server.ts';

/** The raw bytes and headers of one HTTP exchange (fetch would decode the body and hide what was sent). */
function exchange(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const INTROSPECTION = JSON.stringify({ query: '{ __schema { types { name description fields { name } } } }' });
const graphqlPost = (acceptEncoding?: string, body = INTROSPECTION) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
  body,
});

describe('compressed API responses', () => {
  const server = useTestServer();

  beforeAll(async () => {
    // Two days of hourly rows: a REST answer of several kB.
    const clients = createDatabaseClients(server.current.databaseUrl);
    await clients.pool.query(
      `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations, cost,
                                            total_cost, ctr, click_to_signup, signup_to_activation)
       SELECT 'camp_google_brand', 'google', date_trunc('hour', now(), 'UTC') - h * interval '1 hour',
              100 + h, 5, 2, 1, 4, 4, 0.05, 0.4, 0.5
         FROM generate_series(1, 47) h`,
    );
    await clients.close();
  });

  it('gzips a GraphQL answer for a client that accepts gzip; the decoded body is the plain answer', async () => {
    const url = `${server.current.baseUrl}/graphql`;
    const plain = await exchange(url, graphqlPost());
    const gzipped = await exchange(url, graphqlPost('gzip, deflate'));
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.byteLength).toBeGreaterThan(COMPRESSION_MIN_BYTES);
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.body.byteLength);
    expect(gzipped.body.byteLength).toBeLessThan(plain.body.byteLength / 3);
    expect(JSON.parse(gunzipSync(gzipped.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  });

  it('prefers brotli when offered, and honours q=0', async () => {
    const url = `${server.current.baseUrl}/graphql`;
    const plain = await exchange(url, graphqlPost());
    const brotli = await exchange(url, graphqlPost('gzip, deflate, br'));
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(brotli.body).toString('utf8'))).toEqual(
      JSON.parse(plain.body.toString('utf8')),
    );
    const refused = await exchange(url, graphqlPost('br;q=0, gzip;q=0'));
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  });

  it('sends small answers as they are', async () => {
    const small = await exchange(
      `${server.current.baseUrl}/graphql`,
      graphqlPost('gzip', '{"query":"{ __typename }"}'),
    );
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString('utf8'))).toEqual({ data: { __typename: 'Query' } });
  });

  it('gzips REST JSON too', async () => {
    const url = `${server.current.baseUrl}/campaigns/camp_google_brand/kpis?hours=48`;
    const plain = await exchange(url);
    const gzipped = await exchange(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(plain.body.byteLength).toBeGreaterThan(COMPRESSION_MIN_BYTES);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    const decoded = JSON.parse(gunzipSync(gzipped.body).toString('utf8'));
    expect(decoded.rows).toHaveLength(47);
    expect(decoded).toEqual(JSON.parse(plain.body.toString('utf8')));
  });

  it('streams SSE subscriptions uncompressed: the first event arrives while the stream stays open', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.current.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'gzip, br' },
      body: JSON.stringify({
        query: 'subscription { liveFunnel(window: { lastMinutes: 30 }) { stages { stage count } } }',
      }),
      signal: controller.signal,
    });
    try {
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      // Yoga marks event streams `content-encoding: none` so that proxies leave them alone too.
      expect(response.headers.get('content-encoding') ?? 'none').toBe('none');
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('"liveFunnel"')) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        text += new TextDecoder().decode(value);
      }
    } finally {
      controller.abort();
    }
  });
});
