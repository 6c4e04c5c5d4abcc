import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { send, upload } from './testkit/http.ts';
import { expectNoInternals, expectServerFine, READ_TOKEN, useSecurityServer } from './testkit/server.ts';

// The dashboard's static door (server/src/http/dashboard.ts) as attack input, on a real server process with every
// token set: public files only, nothing outside the build, nothing secret in what it sends, bounded paths.

const parent = mkdtempSync(path.join(tmpdir(), 'pmd-dashboard-attack-'));
const dashboardDir = path.join(parent, 'dist');
mkdirSync(path.join(dashboardDir, 'assets'), { recursive: true });
writeFileSync(path.join(parent, 'secret.txt'), 'outside the build');
writeFileSync(path.join(dashboardDir, 'index.html'), '<!doctype html><title>Dashboard</title>');
writeFileSync(path.join(dashboardDir, 'assets', 'index-abc123.js'), 'export {};\n');
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const server = useSecurityServer({ DASHBOARD_DIR: dashboardDir });
const HTML = { accept: 'text/html' };

describe('the dashboard door as attack input', () => {
  it('never reaches a file outside the build, however the path is encoded', async () => {
    const targets = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/%00/../../secret.txt',
      `/${'../'.repeat(50)}etc/passwd`,
    ];
    for (const target of targets) {
      const response = await send(server.baseUrl, { path: target, headers: HTML });
      expect(response.body, target).not.toContain('outside the build');
      expect(response.body, target).not.toMatch(/root:.*:0:0:/);
      expectNoInternals(response.body);
    }
    await expectServerFine(server, 'after traversal attempts');
  });

  it('refuses long paths and other methods without reading a body, and serves no token', async () => {
    // Past our 1,024 characters: 414 from the dashboard; past Node's 16 KiB of headers: 431 before any of our code.
    const long = (length: number) => send(server.baseUrl, { path: `/assets/${'a'.repeat(length)}.js`, headers: HTML });
    expect((await long(5_000)).status).toBe(414);
    // Node answers 431 and closes at once. A request still arriving then leaves unread bytes, and closing over unread
    // bytes resets the connection, which can discard the answer; so the request is one write of 20 kB that Node has
    // read whole before it answers, sent over a raw socket that keeps whatever came before the close.
    const tooLong = await upload(server.baseUrl, {
      path: `/assets/${'a'.repeat(20_000)}.js`,
      chunk: Buffer.alloc(0),
      totalBytes: 0,
    });
    expect(tooLong.status).toBe(431);
    const post = await send(server.baseUrl, {
      method: 'POST',
      path: '/assets/index-abc123.js',
      body: Buffer.alloc(64 * 1024, 'x'),
    });
    // A body for a path of no API door is refused at the front door before any byte of it is read.
    expect(post.status).toBe(404);
    expect((await send(server.baseUrl, { method: 'DELETE', path: '/assets/index-abc123.js' })).status).toBe(405);
    // Public files with every token set: the page itself, with no token in it.
    const page = await send(server.baseUrl, { path: '/campaigns/x', headers: HTML });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Dashboard</title>');
    expect(page.body).not.toContain(READ_TOKEN);
    await expectServerFine(server, 'after long paths and refused methods');
  });
});
