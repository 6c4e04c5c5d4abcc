/// <reference lib="dom" />
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { freePort } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { CHROMIUM_LAUNCH_OPTIONS, funnelEvents, graphqlEvent, KEYS } from '@pmd/testkit';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../image/assemble.ts';
import { commandOf, composeServices } from './compose-file.ts';

/**
 * What ships, started as the image starts it: `pnpm build`'s JavaScript under plain node (the commands are read from
 * the Dockerfile and docker-compose.yml, so the test runs whatever the image would), a browser that may reach nothing
 * but the host name it was given (127.0.0.2: not localhost, as on another machine), GraphiQL and the dashboard live.
 */
const INGEST_TOKEN = 'artifacts-ingest-token';
/** A loopback address other than 127.0.0.1: a dashboard that calls "localhost" fails here as on another machine. */
const HOST = '127.0.0.2';
const LIVE_TIMEOUT_MS = 20_000;

/** What compose runs for `service` (its command, else the image's CMD): the test runs exactly that. */
function serviceCommand(service: string): string[] {
  const definition = composeServices[service];
  if (!definition) throw new Error(`docker-compose.yml has no ${service} service`);
  return commandOf(definition);
}

interface RunningService {
  child: ChildProcess;
  output: () => string;
}

function run(command: string[], env: Record<string, string>): RunningService {
  const [executable, ...args] = command;
  const child = spawn(executable!, args, {
    cwd: REPO_ROOT,
    // Only what the image's environment would hold: no tsx loader, no vitest variables.
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stop(service: RunningService | undefined): Promise<number | null> {
  if (!service || service.child.exitCode !== null) return service?.child.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
  service.child.kill('SIGTERM');
  return exited;
}

/** Log lines at error level or worse (pino: 50, 60), and anything that is not a JSON log line (a warning, a trace). */
function troubleIn(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim())
    .filter((line) => {
      try {
        return (JSON.parse(line) as { level: number }).level >= 50;
      } catch {
        return true;
      }
    });
}

describe('the production artifacts, started as the image starts them', () => {
  const database = useTestDatabase();
  let server: RunningService | undefined;
  let worker: RunningService | undefined;
  let browser: Browser | undefined;
  let apiPort = 0;
  let dashboardPort = 0;

  beforeAll(async () => {
    await promisify(execFile)('pnpm', ['build'], { cwd: REPO_ROOT, timeout: 600_000 });
    [apiPort, dashboardPort] = [await freePort(), await freePort()];
    const env = { DATABASE_URL: database.url, INGEST_TOKEN };
    server = run(serviceCommand('server'), { ...env, PORT: String(apiPort), DASHBOARD_PORT: String(dashboardPort) });
    worker = run(serviceCommand('worker'), env);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`http://${HOST}:${apiPort}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || server.child.exitCode !== null)
        throw new Error(`server did not start:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  }, 660_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([stop(worker), stop(server)]);
  });

  it('runs compiled JavaScript under plain node: no tsx, no Vite', async () => {
    for (const service of ['server', 'worker', 'migrate']) {
      const command = serviceCommand(service);
      expect(command[0], service).toBe('node');
      expect(command.join(' '), service).not.toMatch(/tsx|vite|\.ts\b/);
    }
    const cmdline = await readFile(`/proc/${server!.child.pid}/cmdline`, 'utf8');
    expect(cmdline.split('\0')).toContain('node');
    expect(cmdline).not.toMatch(/tsx|vite/);
  });

  /** A browser context that may reach only HOST (and what pages build themselves); everything else is aborted and listed. */
  async function offlineContext(): Promise<{ context: BrowserContext; foreign: string[] }> {
    const context = await browser!.newContext({ viewport: { width: 1600, height: 1000 } });
    const foreign: string[] = [];
    const allowed = (address: string) => {
      const url = new URL(address);
      return url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === HOST;
    };
    await context.route('**/*', async (route) => {
      const address = route.request().url();
      if (allowed(address)) return route.continue();
      foreign.push(address);
      return route.abort('blockedbyclient');
    });
    context.on('page', (page) =>
      page.on('websocket', (socket) => {
        if (!allowed(socket.url())) foreign.push(socket.url());
      }),
    );
    return { context, foreign };
  }

  it('serves GraphiQL with no network: it opens with an example query and runs it', { timeout: 90_000 }, async () => {
    const { context, foreign } = await offlineContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://${HOST}:${apiPort}/graphql`, { waitUntil: 'load' });
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => editor.innerText(), { timeout: 10_000 }).toMatch(/query/);
    await page.locator('button.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 20_000 }).toMatch(/"data":\s*\{/);
    expect(await response.innerText()).not.toMatch(/"errors"/);
    expect(foreign, 'requests off this host').toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  for (const door of ['API port', 'dashboard port (8501)'] as const) {
    it(
      `serves the dashboard on the ${door} under a host name other than localhost, live`,
      { timeout: 90_000 },
      async () => {
        const port = door === 'API port' ? apiPort : dashboardPort;
        const { context, foreign } = await offlineContext();
        const page = await context.newPage();
        await page.goto(`http://${HOST}:${port}/?range=1h`, { waitUntil: 'domcontentloaded' });
        const impressions = page.locator('[data-kpi="impressions"] [data-testid="kpi-value"]');
        await impressions.waitFor({ timeout: LIVE_TIMEOUT_MS });
        await page.waitForFunction(
          () => document.querySelector('[data-testid="live-indicator"] [role="status"]')?.textContent === 'Live',
          undefined,
          { timeout: LIVE_TIMEOUT_MS },
        );
        const before = Number((await impressions.innerText()).replace(/[^\d]/g, '')) || 0;
        const events = funnelEvents(KEYS[0]!, new Date(), { ad_impression: 7 }, { prefix: `artifacts-${door}` });
        const response = await fetch(`http://${HOST}:${apiPort}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
          body: JSON.stringify({
            query:
              'mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { __typename ... on IngestResult { stored } } }',
            variables: { events: events.map(graphqlEvent) },
          }),
        });
        expect(await response.json()).toEqual({ data: { ingestEvents: { __typename: 'IngestResult', stored: 7 } } });
        // Pushed over the websocket to this page: no reload.
        await expect
          .poll(async () => Number((await impressions.innerText()).replace(/[^\d]/g, '')), { timeout: LIVE_TIMEOUT_MS })
          .toBe(before + 7);
        expect(foreign, 'requests off this host').toEqual([]);
        await context.close();
      },
    );
  }

  it('stops cleanly: exit 0, no error, no warning, nothing but JSON log lines', async () => {
    const [serverCode, workerCode] = await Promise.all([stop(server), stop(worker)]);
    expect({ server: serverCode, worker: workerCode }).toEqual({ server: 0, worker: 0 });
    expect(troubleIn(server!.output()), 'server output').toEqual([]);
    expect(troubleIn(worker!.output()), 'worker output').toEqual([]);
  });
});
