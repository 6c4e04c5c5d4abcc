import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type DashboardServer } from '../scripts/serve.ts';

/** Raw bytes and headers, with the request target sent exactly as written (fetch would normalise `..`). */
function get(
  server: DashboardServer,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const outgoing = request({ hostname, port, path: target, headers }, (response) => {
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

describe("the dashboard's production static server (client/scripts/serve.ts)", () => {
  let parent = '';
  let server: DashboardServer;
  const script = `export const x = ${JSON.stringify('chart '.repeat(2000))};\n`;
  const html = '<!doctype html><title>Dashboard</title><script type="module" src="/assets/index-abc123.js"></script>';

  beforeAll(async () => {
    // The build sits next to a file it must never serve.
    parent = await mkdtemp(path.join(tmpdir(), 'pmd-serve-'));
    await writeFile(path.join(parent, 'secret.txt'), 'outside the build');
    const root = path.join(parent, 'dist');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), html);
    await writeFile(path.join(root, 'assets', 'index-abc123.js'), script);
    server = await serveDashboard(root, 0);
  });

  afterAll(async () => {
    await server?.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('sends hashed assets compressed (br preferred, else gzip) and cacheable for a year', async () => {
    const brotli = await get(server, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(brotli.status).toBe(200);
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotli.headers['content-type']).toMatch(/^text\/javascript/);
    expect(brotliDecompressSync(brotli.body).toString()).toBe(script);
    const gzipped = await get(server, '/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString()).toBe(script);
    expect(gzipped.body.byteLength).toBeLessThan(script.length / 10);
    const plain = await get(server, '/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('answers app routes with index.html, which browsers revalidate', async () => {
    for (const route of ['/', '/campaigns/camp_x', '/alerts?range=6h']) {
      const page = await get(server, route);
      expect(page.status, route).toBe(200);
      expect(page.body.toString(), route).toBe(html);
      expect(page.headers['cache-control'], route).toBe('no-cache');
    }
  });

  it('answers 404 for a missing hashed asset instead of the page', async () => {
    expect((await get(server, '/assets/index-old999.js')).status).toBe(404);
  });

  it('never serves a file outside the build', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const response = await get(server, target);
      expect(response.body.toString(), target).not.toContain('outside the build');
    }
  });
});
