import { parse, validate } from 'graphql';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH_OPTIONS } from '@pmd/testkit';
import { buildApp } from '../src/app.ts';
import { GRAPHIQL_EXAMPLE_QUERY } from '../src/graphiql-options.ts';
import { schema } from '../src/schema/index.ts';
import { useTestServer } from './testkit/server.ts';

/** Only what the page itself builds (blobs, data URLs) or asks of this machine (127.x, localhost) may be requested. */
function isOwnOrigin(address: string): boolean {
  const url = new URL(address);
  return (
    url.protocol === 'data:' ||
    url.protocol === 'blob:' ||
    /^127\.\d+\.\d+\.\d+$/.test(url.hostname) ||
    ['localhost', '[::1]'].includes(url.hostname)
  );
}

/** A GraphiQL page with every request off this machine refused, and counted, as for an analyst with no internet. */
async function openOffline(browser: Browser, baseUrl: string) {
  const context = await browser.newContext();
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
  // Content-Security-Policy violations are reported here.
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
  const queryEditor = page.locator('.graphiql-query-editor .monaco-editor').first();
  await queryEditor.waitFor({ state: 'visible', timeout: 20_000 });
  return { context, page, foreign, pageErrors, consoleErrors, queryEditor };
}

/** The text of a Monaco editor as shown (Monaco renders spaces as no-break spaces). */
async function editorText(editor: ReturnType<Page['locator']>): Promise<string> {
  return (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}

async function run(page: Page): Promise<string> {
  await page.locator('button.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response');
  await expect.poll(() => response.innerText(), { timeout: 20_000 }).toMatch(/"data"|"errors"/);
  return response.innerText();
}

async function closeQuietly(context: BrowserContext) {
  await context.close().catch(() => {});
}

describe('GraphiQL example query', () => {
  it('is a valid operation of our schema', () => {
    expect(validate(schema, parse(GRAPHIQL_EXAMPLE_QUERY)).map((error) => error.message)).toEqual([]);
  });
});

describe('GraphiQL', () => {
  const server = useTestServer();
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens with the example query, from our own origin only, and runs it', { timeout: 60_000 }, async () => {
    const { context, page, foreign, pageErrors, consoleErrors, queryEditor } = await openOffline(
      browser,
      server.current.baseUrl,
    );
    try {
      expect(foreign, 'requests to other hosts').toEqual([]);
      expect(await editorText(queryEditor)).toContain('query GraphiQLExample');
      const response = await run(page);
      expect(response).toMatch(/"__typename":\s*"Overview"/);
      expect(response).toMatch(/"impressions":\s*0/);

      // Any other query runs too.
      await queryEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // insertText, not type(): Monaco would add its own closing brace after a typed `{`.
      await page.keyboard.insertText('{ serverTime }');
      await expect.poll(() => run(page), { timeout: 20_000 }).toMatch(/"serverTime":\s*"\d{4}-\d{2}-\d{2}T/);
      expect(foreign, 'requests to other hosts').toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await closeQuietly(context);
    }
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

describe('GraphiQL in a browser with READ_TOKEN set', () => {
  const server = useTestServer({ config: { readToken: 'graphiql-reader-secret' } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('prefills the Authorization header as a placeholder, never the token, and runs once it is filled in', async () => {
    const html = await (await fetch(`${server.current.baseUrl}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toContain('graphiql-reader-secret');

    const { context, page, foreign } = await openOffline(browser, server.current.baseUrl);
    try {
      await page.getByRole('button', { name: 'Headers' }).click();
      const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor').last();
      await headersEditor.waitFor({ state: 'visible', timeout: 10_000 });
      await expect
        .poll(() => editorText(headersEditor), { timeout: 10_000 })
        .toContain('"Authorization": "Bearer <READ_TOKEN>"');
      // With the placeholder as it is, the server refuses the query.
      expect(await run(page)).toContain('UNAUTHENTICATED');

      await headersEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText('{"Authorization": "Bearer graphiql-reader-secret"}');
      expect((await editorText(headersEditor)).trim()).toBe('{"Authorization": "Bearer graphiql-reader-secret"}');
      await expect.poll(() => run(page), { timeout: 20_000 }).toMatch(/"__typename":\s*"Overview"/);
      expect(foreign, 'requests to other hosts').toEqual([]);
    } finally {
      await closeQuietly(context);
    }
  }, 60_000);
});
