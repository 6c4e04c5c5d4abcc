import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH_OPTIONS } from '@pmd/testkit';
import { buildApp } from '../src/app.ts';
import { useTestServer } from './testkit/server.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Only what the page itself builds (blobs, data URLs) or asks of our own server may be requested. */
function isOwnOrigin(address: string): boolean {
  const url = new URL(address);
  return url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK_HOSTS.has(url.hostname);
}

describe('GraphiQL', () => {
  const server = useTestServer();
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders from our own origin only and runs a query', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    // Analysts may have no internet: every request off this machine is refused, and counted.
    const foreign: string[] = [];
    await context.route('**/*', async (route) => {
      const address = route.request().url();
      if (isOwnOrigin(address)) return route.continue();
      foreign.push(address);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('websocket', (socket) => {
      if (!isOwnOrigin(socket.url())) foreign.push(socket.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    await page.goto(`${server.current.baseUrl}/graphql`, { waitUntil: 'load' });
    expect(foreign, 'requests to other hosts').toEqual([]);

    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText, not type(): Monaco would add its own closing brace after a typed `{`.
    await page.keyboard.insertText('{ serverTime }');
    await page.locator('button.graphiql-execute-button').click();

    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 20_000 }).toMatch(/"serverTime":\s*"\d{4}-\d{2}-\d{2}T/);
    expect(foreign, 'requests to other hosts').toEqual([]);
    expect(pageErrors).toEqual([]);
    // Content-Security-Policy violations would be reported here.
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('serves its assets with long immutable caching', async () => {
    const page = await fetch(`${server.current.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset, 'an asset of our own origin').toMatch(/^\/graphiql\/assets\//);
      const response = await fetch(new URL(asset, server.current.baseUrl));
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await response.arrayBuffer();
    }
    expect((await fetch(`${server.current.baseUrl}/graphiql/assets/nope.js`)).status).toBe(404);
  });
});

describe('GraphiQL with READ_TOKEN set', () => {
  it('serves the page and its assets without a token (the user adds one in the headers pane)', async () => {
    const app = buildApp({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none', config: { readToken: 'secret' } });
    try {
      const page = await app.yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      for (const [, asset] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
        const response = await app.yoga.fetch(`http://localhost${asset}`);
        expect(response.status, asset).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      await app.stop();
    }
  });
});
