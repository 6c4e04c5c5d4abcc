import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@pmd/db/testing';
import { metricView } from '@pmd/domain';
import { buildApp, type App } from '@pmd/server';
import { startWorker } from '@pmd/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { CARD_METRICS } from '../src/lib/dashboard-metrics.ts';
import { formatValue, type ValueFormat } from '../src/lib/format.ts';
import { auditAccessibility } from './support/axe.ts';
import { buildDashboard } from './support/build-dashboard.ts';
import { CHROMIUM_LAUNCH_OPTIONS, funnelEvents, type TestEvent } from '@pmd/testkit';
import { alertStatus, graphqlRequest, ingestThroughApi, resolveAlert, runAnomalyCheck } from './support/seed.ts';

/**
 * The whole system in a real browser: a real server and the real worker over a fresh database, the server serving the
 * production build of the dashboard, Debian's chromium. Events go in through the API's ingestEvents and must come out on
 * the page with exactly the values the API reports; alerts are fired by the worker's own anomaly task.
 */
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const INGEST_TOKEN = 'e2e-ingest-token';
/** Live pushes are throttled to ≤ 1/s by the server; a loaded CI machine gets generous room. */
const LIVE_TIMEOUT_MS = 20_000;

/** The cards the dashboard shows, and how each formats its value: both from the registry, as the dashboard does. */
const KPI_FORMATS: Record<string, ValueFormat> = Object.fromEntries(
  CARD_METRICS.map((name) => [name, metricView(name).format]),
);

const OVERVIEW_QUERY = /* GraphQL */ `
  query E2eOverview($window: WindowInput!) {
    overview(window: $window) {
      __typename
      ... on Overview {
        current {
          ${CARD_METRICS.join('\n          ')}
        }
      }
      ... on InvalidArgumentError {
        message
      }
    }
  }
`;

const database = useTestDatabase();
let app: App | undefined;
let apiUrl = '';
let skipReason: string | undefined;
let dashboardDir = '';
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let acknowledgedAlertId: number | undefined;
/** Sent with the test's own API reads once the server requires READ_TOKEN. */
let readHeaders: Record<string, string> = {};

async function subscriptionFields(): Promise<string[]> {
  const data = await graphqlRequest<{ __schema: { subscriptionType: { fields: { name: string }[] } | null } }>(
    apiUrl,
    '{ __schema { subscriptionType { fields { name } } } }',
  );
  return data.__schema.subscriptionType?.fields.map((f) => f.name) ?? [];
}

async function send(events: TestEvent[]) {
  await ingestThroughApi(apiUrl, INGEST_TOKEN, events);
}

/** The KPI card texts the API's numbers must produce. */
async function expectedCards(lastMinutes: number): Promise<Record<string, string>> {
  const data = await graphqlRequest<{
    overview: { __typename: string; current?: Record<string, number | null>; message?: string };
  }>(apiUrl, OVERVIEW_QUERY, { window: { lastMinutes } }, readHeaders);
  if (!data.overview.current) throw new Error(`overview: ${data.overview.message}`);
  const current = data.overview.current;
  return Object.fromEntries(
    Object.entries(KPI_FORMATS).map(([kpi, format]) => [kpi, formatValue(current[kpi], format)]),
  );
}

async function shownCards(): Promise<Record<string, string>> {
  return page!.evaluate((kpis) => {
    const read = (kpi: string) =>
      document.querySelector(`[data-kpi="${kpi}"] [data-testid="kpi-value"]`)?.textContent?.trim() ?? '(missing)';
    return Object.fromEntries(kpis.map((kpi) => [kpi, read(kpi)]));
  }, Object.keys(KPI_FORMATS));
}

/** Waits until the cards show `expected`; on timeout, fails with the difference. */
async function waitForCards(expected: Record<string, string>) {
  await page!
    .waitForFunction(
      (want) =>
        Object.entries(want).every(
          ([kpi, text]) =>
            document.querySelector(`[data-kpi="${kpi}"] [data-testid="kpi-value"]`)?.textContent?.trim() === text,
        ),
      expected,
      { timeout: LIVE_TIMEOUT_MS, polling: 100 },
    )
    .catch(() => undefined);
  expect(await shownCards()).toEqual(expected);
}

function requireSystem(context: TestContext) {
  if (skipReason) context.skip(skipReason);
}

beforeAll(async () => {
  dashboardDir = await buildDashboard();
  app = buildApp({ databaseUrl: database.url, config: { ingestToken: INGEST_TOKEN, dashboardDir } });
  apiUrl = `http://127.0.0.1:${await app.start(0)}`;
  if (!(await subscriptionFields()).includes('liveOverview')) {
    skipReason =
      'dashboard e2e skipped: the server schema lacks Subscription.liveOverview (the reads/live API is not merged yet)';
    console.warn(skipReason);
    return;
  }
  // The real worker, without cron: the alert test queues its anomaly check by hand.
  worker = await startWorker({ databaseUrl: database.url, crontab: '' });
  browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await app?.stop();
});

describe('dashboard against the running system', () => {
  it('shows the exact KPI values the API reports, and new events live without a reload', async (context) => {
    requireSystem(context);
    const now = Date.now();
    await send([
      ...funnelEvents({ campaign_id: 'camp_e2e_email', channel: 'email' }, new Date(now - 2 * 60_000), {
        ad_impression: 200,
        ad_click: 30,
        signup: 8,
        activation: 5,
      }),
      ...funnelEvents({ campaign_id: 'camp_e2e_search', channel: 'google' }, new Date(now - 3 * 60_000), {
        ad_impression: 120,
        ad_click: 1,
        signup: 0,
        activation: 0,
      }),
      // Outside the last hour, inside the last 6 hours: the window switch below must pick these up.
      ...funnelEvents({ campaign_id: 'camp_e2e_email', channel: 'email' }, new Date(now - 3 * 3_600_000), {
        ad_impression: 500,
        ad_click: 50,
        signup: 20,
        activation: 4,
      }),
    ]);

    await page!.goto(`${apiUrl}/?range=1h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    // Time to first meaningful render: navigation start → KPI cards visible, taken inside the page on the first
    // animation frame that shows them (reported, never asserted).
    const timing = await page!.waitForFunction(
      () => {
        if (!document.querySelector('[data-kpi="impressions"] [data-testid="kpi-value"]')) return false;
        const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return { firstMeaningfulRenderMs: performance.now(), domContentLoadedMs: navigation?.domContentLoadedEventEnd };
      },
      undefined,
      { timeout: LIVE_TIMEOUT_MS, polling: 'raf' },
    );
    const render = await timing.jsonValue();
    if (!render) throw new Error('the KPI cards never appeared');
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(path.join(RESULTS_DIR, 'dashboard-first-render.json'), JSON.stringify(render, null, 2));
    console.info(
      `dashboard: KPI cards visible ${render.firstMeaningfulRenderMs.toFixed(0)} ms after navigation start ` +
        `(DOMContentLoaded ${render.domContentLoadedMs?.toFixed(0)} ms)`,
    );

    const initial = await expectedCards(60);
    expect(initial.impressions).toBe('320');
    await waitForCards(initial);

    await send(
      funnelEvents({ campaign_id: 'camp_e2e_email', channel: 'email' }, new Date(Date.now() - 30_000), {
        ad_impression: 80,
        ad_click: 9,
        signup: 3,
        activation: 2,
      }),
    );
    const updated = await expectedCards(60);
    expect(updated.impressions).toBe('400');
    await waitForCards(updated);

    // The table comes from the live breakdown, a subscription of its own: the cards' push does not mean it has pushed.
    const rowOf = async (campaignId: string) =>
      (await page!.locator('[data-testid="campaign-row"]').allInnerTexts()).find((row) => row.includes(campaignId));
    // Too few impressions and signups here to judge either way (status.spec.ts shows each status).
    await expect.poll(() => rowOf('camp_e2e_search'), { timeout: LIVE_TIMEOUT_MS }).toContain('Not enough data');
    await expect.poll(() => rowOf('camp_e2e_email'), { timeout: LIVE_TIMEOUT_MS }).toContain('Not enough data');

    await page!.screenshot({ path: path.join(RESULTS_DIR, 'dashboard-overview.png'), fullPage: true });
  });

  it('changes the numbers and the URL when the window changes', async (context) => {
    requireSystem(context);
    const oneHour = await shownCards();
    await page!.click('[data-range="6h"]');
    await page!.waitForURL(/[?&]range=6h/);
    const sixHours = await expectedCards(360);
    expect(sixHours.impressions).not.toBe(oneHour.impressions);
    await waitForCards(sixHours);
    expect(await page!.getAttribute('[data-range="6h"]', 'aria-pressed')).toBe('true');
  });

  it('shows an alert the moment the worker fires it, and acknowledges it', async (context) => {
    requireSystem(context);
    // A CTR collapse the worker's detector must flag: 10 % over the baseline hours, 2 % in the last minutes. The
    // baseline has more than the rule's minBaselineVolume (2,000) impressions: below it the rate is not known yet.
    const now = Date.now();
    await send([
      ...funnelEvents({ campaign_id: 'camp_e2e_alerting', channel: 'meta' }, new Date(now - 2 * 3_600_000), {
        ad_impression: 3000,
        ad_click: 300,
        signup: 0,
        activation: 0,
      }),
      ...funnelEvents({ campaign_id: 'camp_e2e_alerting', channel: 'meta' }, new Date(now - 5 * 60_000), {
        ad_impression: 1000,
        ad_click: 20,
        signup: 0,
        activation: 0,
      }),
    ]);
    const alertId = await runAnomalyCheck(database.url, 'camp_e2e_alerting', LIVE_TIMEOUT_MS);
    const item = page!.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`);
    await item.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await item.innerText()).toContain('CTR drop · camp_e2e_alerting / meta');

    // Snooze for an hour: the alert says until when, and its history keeps it.
    await item.locator('[data-testid="snooze"]').selectOption('1');
    await item.locator('[data-testid="snoozed"]').waitFor({ timeout: LIVE_TIMEOUT_MS });

    // Acknowledge with a name and a note: both shown, and kept in the history.
    await item.locator('[data-testid="acknowledge"]').click();
    await item.locator('[data-testid="acknowledge-form"] input').fill('Ana');
    await item.locator('[data-testid="acknowledge-form"] textarea').fill('Paused the meta creative');
    await item.locator('[data-testid="acknowledge-form"] button[type="submit"]').click();
    await page!.waitForFunction(
      (id) => document.querySelector(`[data-alert-id="${id}"] .badge`)?.textContent?.trim() === 'Acknowledged',
      alertId,
      { timeout: LIVE_TIMEOUT_MS },
    );
    expect(await alertStatus(database.url, alertId)).toBe('acknowledged');
    await expect
      .poll(() => item.locator('[data-testid="acknowledge-note"]').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toBe('“Paused the meta creative”');
    expect(await item.innerText()).toContain('by Ana');
    await item.locator('[data-testid="alert-history"] summary').click();
    await expect
      .poll(() => item.locator('[data-testid="alert-history"] li').allInnerTexts(), { timeout: LIVE_TIMEOUT_MS })
      .toEqual([
        expect.stringContaining('Fired'),
        expect.stringMatching(/Snoozed until .*/),
        expect.stringContaining('Acknowledged by Ana: “Paused the meta creative”'),
      ]);
    acknowledgedAlertId = alertId;
  });

  it('moves a resolved alert into the history list, without a reload', async (context) => {
    requireSystem(context);
    await page!.getByRole('link', { name: 'Alerts' }).click();
    await page!.waitForURL(/\/alerts/);
    // Resolved as the worker does on recovery (recovery needs a quarter hour of normal traffic: not worth the wait).
    await resolveAlert(database.url, acknowledgedAlertId!);
    const resolved = page!.locator(`ul[aria-label="Resolved alerts"] [data-alert-id="${acknowledgedAlertId}"]`);
    await resolved.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await page!.locator(`ul[aria-label="Active alerts"] [data-alert-id="${acknowledgedAlertId}"]`).count()).toBe(
      0,
    );
    await page!.screenshot({ path: path.join(RESULTS_DIR, 'dashboard-alerts.png'), fullPage: true });
  });

  it('shows a campaign and the pipeline status', async (context) => {
    requireSystem(context);
    await page!.goto(`${apiUrl}/campaigns/camp_e2e_email`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page!.waitForSelector('#campaign-heading', { timeout: LIVE_TIMEOUT_MS });
    expect(await page!.textContent('#campaign-heading')).toBe('camp_e2e_email');
    await page!.screenshot({ path: path.join(RESULTS_DIR, 'dashboard-campaign.png'), fullPage: true });

    await page!.getByRole('link', { name: 'Pipeline' }).click();
    await page!.waitForSelector('[aria-label="Pipeline queues"]', { timeout: LIVE_TIMEOUT_MS });
    expect(await page!.locator('[data-state="error"]').count()).toBe(0);
  });

  it('has no serious accessibility violations (axe-core: labels, contrast, roles)', async (context) => {
    requireSystem(context);
    for (const route of ['/?range=6h', '/alerts', '/pipeline', '/campaigns/camp_e2e_email', '/rules']) {
      await page!.goto(`${apiUrl}${route}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page!.waitForSelector('main h2', { timeout: LIVE_TIMEOUT_MS });
      await page!.waitForFunction(() => !document.querySelector('[data-state="loading"]'), undefined, {
        timeout: LIVE_TIMEOUT_MS,
      });
      const audit = await auditAccessibility(page!);
      // The audit really ran over the page (contrast and names checked), and found nothing serious.
      expect(audit.passed, route).toEqual(expect.arrayContaining(['color-contrast', 'link-name']));
      expect(audit.serious, route).toEqual([]);
    }
  });

  it('is readable on a laptop and on a wall screen', async (context) => {
    requireSystem(context);
    for (const [name, viewport] of [
      ['laptop', { width: 1280, height: 800 }],
      ['wall', { width: 3840, height: 2160 }],
    ] as const) {
      await page!.setViewportSize(viewport);
      await page!.goto(`${apiUrl}/?range=6h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page!.waitForSelector('[data-kpi="impressions"] [data-testid="kpi-value"]', { timeout: LIVE_TIMEOUT_MS });
      // No horizontal scrolling of the page itself (wide tables scroll inside their panel).
      expect(await page!.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page!.screenshot({ path: path.join(RESULTS_DIR, `dashboard-overview-${name}.png`) });
    }
    await page!.setViewportSize({ width: 1600, height: 1000 });
  });

  it('tells when the API goes away and recovers on its own', async (context) => {
    requireSystem(context);
    const indicator = page!.locator('[data-testid="live-indicator"] [role="status"]');
    await page!.waitForFunction(
      () => document.querySelector('[data-testid="live-indicator"] [role="status"]')?.textContent === 'Live',
      undefined,
      {
        timeout: LIVE_TIMEOUT_MS,
      },
    );
    const port = Number(new URL(apiUrl).port);
    await app!.stop();
    await page!.waitForFunction(
      () =>
        ['Reconnecting…', 'Offline'].includes(
          document.querySelector('[data-testid="live-indicator"] [role="status"]')?.textContent ?? '',
        ),
      undefined,
      { timeout: LIVE_TIMEOUT_MS },
    );
    app = buildApp({ databaseUrl: database.url, config: { ingestToken: INGEST_TOKEN, dashboardDir } });
    await app.start(port);
    // graphql-ws backs off between attempts (a few seconds after several failures).
    await page!.waitForFunction(
      () => document.querySelector('[data-testid="live-indicator"] [role="status"]')?.textContent === 'Live',
      undefined,
      {
        timeout: 45_000,
      },
    );
    expect(await indicator.textContent()).toBe('Live');
  });

  it('asks for the read token when the API requires one, then shows the data', async (context) => {
    requireSystem(context);
    const port = Number(new URL(apiUrl).port);
    await app!.stop();
    app = buildApp({
      databaseUrl: database.url,
      config: { ingestToken: INGEST_TOKEN, readToken: 'e2e-read-token', dashboardDir },
    });
    await app.start(port);
    readHeaders = { authorization: 'Bearer e2e-read-token' };

    await page!.goto(`${apiUrl}/?range=6h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page!.waitForSelector('[data-testid="read-token"]', { timeout: LIVE_TIMEOUT_MS });
    await page!.fill('[data-testid="read-token"]', 'e2e-read-token');
    await page!.getByRole('button', { name: 'Sign in' }).click();
    await page!.waitForSelector('[data-kpi="impressions"] [data-testid="kpi-value"]', { timeout: LIVE_TIMEOUT_MS });
    await waitForCards(await expectedCards(360));
    expect(await page!.locator('[data-testid="read-token"]').count()).toBe(0);
  });
});
