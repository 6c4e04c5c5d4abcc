import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Logger } from '@pmd/db';
import { createClient } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.ts';
import { DASHBOARD_CSP, NOT_BUILT_MESSAGE } from '../src/http/dashboard.ts';
import { useTestServer } from './testkit/server.ts';

/** Raw bytes and headers, with the request target sent exactly as written (fetch would normalise `..`). */
function get(
  baseUrl: string,
  target: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    // A fresh connection each time: a kept-alive one would outlive a server the test stops.
    const outgoing = request({ hostname, port, path: target, headers, method, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

// A build next to a file it must never serve: created before the server starts, removed after the file.
const parent = mkdtempSync(path.join(tmpdir(), 'pmd-dashboard-spec-'));
const dashboardDir = path.join(parent, 'dist');
const script = `export const x = ${JSON.stringify('chart '.repeat(2000))};\n`;
const html = '<!doctype html><title>Dashboard</title><script type="module" src="/assets/index-abc123.js"></script>';
writeFileSync(path.join(parent, 'secret.txt'), 'outside the build');
mkdirSync(path.join(dashboardDir, 'assets'), { recursive: true });
writeFileSync(path.join(dashboardDir, 'index.html'), html);
writeFileSync(path.join(dashboardDir, 'robots.txt'), 'User-agent: *\nAllow: /\n');
writeFileSync(path.join(dashboardDir, 'assets', 'index-abc123.js'), script);
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the dashboard served by the API (http/dashboard.ts)', () => {
  const server = useTestServer({ config: { dashboardDir } });
  const base = () => server.current.baseUrl;

  it('sends hashed assets as they are at once, then compressed (br preferred, else gzip), cacheable for a year', async () => {
    const brAccepted = { 'accept-encoding': 'gzip, deflate, br' };
    // The first request loads the build; its encodings are made in the background, never while a request waits.
    const first = await get(base(), '/assets/index-abc123.js', brAccepted);
    expect(first.status).toBe(200);
    expect(first.headers['content-encoding'] ?? 'br').toBe('br');
    expect(first.headers.vary).toBe('accept-encoding');
    await expect
      .poll(async () => (await get(base(), '/assets/index-abc123.js', brAccepted)).headers['content-encoding'])
      .toBe('br');
    const brotli = await get(base(), '/assets/index-abc123.js', brAccepted);
    expect(brotli.status).toBe(200);
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotli.headers['content-type']).toMatch(/^text\/javascript/);
    expect(brotli.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(brotli.body).toString()).toBe(script);
    const gzipped = await get(base(), '/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString()).toBe(script);
    expect(gzipped.body.byteLength).toBeLessThan(script.length / 10);
    const plain = await get(base(), '/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    const head = await get(base(), '/assets/index-abc123.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
  });

  it('answers / and every route of the app a browser opens with index.html, revalidated, under a strict CSP', async () => {
    for (const [route, headers] of [
      ['/', {}],
      ['/', HTML],
      ['/campaigns/camp_x', HTML],
      ['/alerts?range=6h', HTML],
      // POST /spend is a REST route; reloading the app's /spend page is not.
      ['/spend', HTML],
    ] as const) {
      const page = await get(base(), route, headers);
      expect(page.status, route).toBe(200);
      expect(page.body.toString(), route).toBe(html);
      expect(page.headers['cache-control'], route).toBe('no-cache');
      expect(page.headers['content-security-policy'], route).toBe(DASHBOARD_CSP);
    }
    expect(DASHBOARD_CSP).toContain("script-src 'self';");
    expect((await get(base(), '/robots.txt')).body.toString()).toContain('User-agent');
  });

  it('answers 404 for a missing hashed asset instead of the page, and 405 for other methods', async () => {
    expect((await get(base(), '/assets/index-old999.js', HTML)).status).toBe(404);
    const post = await get(base(), '/assets/index-abc123.js', {}, 'DELETE');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(base(), `/assets/${'a'.repeat(2000)}.js`)).status).toBe(414);
  });

  it('never serves a file outside the build', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const response = await get(base(), target, HTML);
      expect(response.body.toString(), target).not.toContain('outside the build');
    }
  });

  it('shadows no path of the API, whatever the Accept header', async () => {
    const health = await get(base(), '/health', HTML);
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok' });
    const graphiql = await get(base(), '/graphql', HTML);
    expect(graphiql.body.toString()).toContain('graphiql-options');
    expect(graphiql.headers['content-security-policy']).toContain("worker-src 'self' blob:");
    expect((await get(base(), '/graphiql/assets/nope.js', HTML)).status).toBe(404);
    expect((await get(base(), '/metrics', HTML)).body.toString()).toContain('pmd_');
    expect((await get(base(), '/alerts/active', HTML)).headers['content-type']).toMatch(/^application\/json/);
    expect((await get(base(), '/livez', HTML)).body.toString()).not.toBe(html);
    // An API client's mistyped path still gets a 404, not the page; and REST keeps its own 405.
    expect((await get(base(), '/campaigns/c/kpis/extra')).status).toBe(404);
    expect((await get(base(), '/spend')).status).toBe(405);
  });
});

describe('DASHBOARD_PORT and an unbuilt dashboard', () => {
  const server = useTestServer();

  it('listens on the second port with the same HTTP and websockets, and stop() closes both', async () => {
    const app = buildApp({ databaseUrl: server.current.databaseUrl, config: { dashboardDir, dashboardPort: 0 } });
    const apiPort = await app.start(0);
    const dashboardPort = app.dashboardPort!;
    expect(dashboardPort).toBeGreaterThan(0);
    expect(dashboardPort).not.toBe(apiPort);
    const dashboardBase = `http://127.0.0.1:${dashboardPort}`;
    try {
      expect((await get(dashboardBase, '/', HTML)).body.toString()).toBe(html);
      expect((await get(dashboardBase, '/health')).status).toBe(200);
      const client = createClient({ url: `ws://127.0.0.1:${dashboardPort}/graphql`, webSocketImpl: WebSocket });
      try {
        const result = await new Promise<unknown>((resolve, reject) => {
          client.subscribe({ query: '{ serverTime }' }, { next: resolve, error: reject, complete: () => {} });
        });
        expect(result).toMatchObject({ data: { serverTime: expect.any(String) } });
      } finally {
        await client.dispose();
      }
    } finally {
      await app.stop();
    }
    for (const port of [apiPort, dashboardPort]) {
      await expect(get(`http://127.0.0.1:${port}`, '/health'), `port ${port}`).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('starts without a build, warns once, and says so on the dashboard paths only', async () => {
    const empty = path.join(parent, 'empty');
    mkdirSync(empty);
    const warnings: unknown[][] = [];
    const log = {
      level: 'info',
      info: () => {},
      debug: () => {},
      trace: () => {},
      error: () => {},
      fatal: () => {},
      warn: (...args: unknown[]) => warnings.push(args),
      child: () => log,
    } as unknown as Logger;
    const app = buildApp({ databaseUrl: server.current.databaseUrl, log, config: { dashboardDir: empty } });
    const port = await app.start(0);
    try {
      expect(warnings.filter((args) => args.includes(NOT_BUILT_MESSAGE))).toHaveLength(1);
      for (const [target, headers] of [
        ['/', {}],
        ['/campaigns', HTML],
        ['/assets/index-abc123.js', {}],
      ] as const) {
        const response = await get(`http://127.0.0.1:${port}`, target, headers);
        expect(response.status, target).toBe(404);
        expect(response.body.toString(), target).toBe(NOT_BUILT_MESSAGE);
      }
      expect((await get(`http://127.0.0.1:${port}`, '/health')).status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
