import { useTestDatabase } from '@pmd/db/testing';
import { buildApp, type App } from '@pmd/server';
import { CHROMIUM_LAUNCH_OPTIONS, type TestEvent } from '@pmd/testkit';
import { startWorker } from '@pmd/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildDashboard } from './build-dashboard.ts';
import { ingestThroughApi } from './seed.ts';

export { LIVE_TIMEOUT_MS } from './timeouts.ts';

export const E2E_INGEST_TOKEN = 'e2e-ingest-token';

type ServerOptions = NonNullable<Parameters<typeof buildApp>[0]>['config'];

export interface E2eSystemOptions {
  /** Server configuration on top of the ingest token and the dashboard's build. */
  server?: ServerOptions;
  /** Start the real worker (without cron; tests queue its tasks by hand). Default true. */
  worker?: boolean;
  /** How the worker sends notifications; default no SMTP, private webhook targets refused. */
  notify?: NonNullable<Parameters<typeof startWorker>[0]['notify']>;
  /** The page's viewport; default 1600 × 1000. */
  viewport?: { width: number; height: number };
  /** The browser's own time zone (IANA), so a test can tell the reporting zone from the machine's. Default UTC. */
  browserTimeZone?: string;
}

export interface E2eSystem {
  readonly apiUrl: string;
  /** The API's origin too: the API serves the dashboard, and the page finds the API where it came from. */
  readonly dashboardUrl: string;
  readonly databaseUrl: string;
  readonly page: Page;
  readonly browser: Browser;
  /** Sends events through the API's ingestEvents mutation. */
  send(events: TestEvent[]): Promise<void>;
}

/**
 * The whole system for one browser test file: a fresh database, a real server and worker, the server serving the
 * production build of the dashboard (one build per change of its sources, shared by every file), Debian's chromium. Call at the top level of a spec file; the returned object is
 * usable inside tests and hooks. Everything stops after the file.
 */
export function useE2eSystem(options: E2eSystemOptions = {}): E2eSystem {
  const database = useTestDatabase();
  let app: App | undefined;
  let apiUrl = '';
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    app = buildApp({
      databaseUrl: database.url,
      config: { ingestToken: E2E_INGEST_TOKEN, dashboardDir: await buildDashboard(), ...options.server },
    });
    apiUrl = `http://127.0.0.1:${await app.start(0)}`;
    if (options.worker !== false) {
      worker = await startWorker({ databaseUrl: database.url, crontab: '', notify: options.notify });
    }
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1600, height: 1000 },
      timezoneId: options.browserTimeZone ?? 'UTC',
    });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useE2eSystem(): ${what} exists only inside tests and hooks`);
    return value;
  };
  return {
    get apiUrl() {
      return started(apiUrl || undefined, 'the API');
    },
    get dashboardUrl() {
      return started(apiUrl || undefined, 'the API');
    },
    get databaseUrl() {
      return database.url;
    },
    get page() {
      return started(page, 'the page');
    },
    get browser() {
      return started(browser, 'the browser');
    },
    send: (events) => ingestThroughApi(started(apiUrl || undefined, 'the API'), E2E_INGEST_TOKEN, events),
  };
}
