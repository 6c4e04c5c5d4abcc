import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, PrivateTargetError } from './http.ts';

describe('postJson', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/redirect') return void response.writeHead(302, { location: 'http://example.com/' }).end();
      if (request.url === '/slow') return; // never answers
      if (request.url === '/big') return void response.writeHead(200).end('x'.repeat(1_000_000));
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const open = { timeoutMs: 2_000, allowPrivateTargets: true };

  it('refuses loopback, private and link-local targets unless allowed', async () => {
    for (const url of [`${base}/`, 'http://localhost:1/', 'http://169.254.169.254/', 'http://[::1]:1/']) {
      await expect(postJson(url, '{}', {}, { ...open, allowPrivateTargets: false }), url).rejects.toBeInstanceOf(
        PrivateTargetError,
      );
    }
    expect((await postJson(`${base}/`, '{}', {}, open)).status).toBe(204);
  });

  it('does not follow redirects (a 3xx is the answer)', async () => {
    expect((await postJson(`${base}/redirect`, '{}', {}, open)).status).toBe(302);
  });

  it('gives up at the deadline', async () => {
    const started = Date.now();
    await expect(postJson(`${base}/slow`, '{}', {}, { ...open, timeoutMs: 300 })).rejects.toThrow(/300 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps only the start of a large response', async () => {
    const result = await postJson(`${base}/big`, '{}', {}, { ...open, maxResponseBytes: 100 });
    expect(result.body).toHaveLength(100);
  });
});
