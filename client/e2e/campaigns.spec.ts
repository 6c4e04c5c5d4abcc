import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { metricView } from '@pmd/domain';
import { funnelEvents } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { statusLabel } from '../src/lib/health-status.ts';
import { formatBucket, formatValue } from '../src/lib/format.ts';
import { graphqlRequest, runAnomalyCheck } from './support/seed.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * The campaigns index and a campaign's page in a real browser, against a real server reporting in Asia/Kolkata
 * (+05:30, so its days start at 18:30 UTC) while the browser runs in UTC: every number is compared with the API.
 */
const ZONE = 'Asia/Kolkata';
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const system = useE2eSystem({ server: { reportingTimeZone: ZONE } });

const NOW = Date.now();
const WEEK = 7 * 24 * 60;
const ALPHA = { campaign_id: 'camp_e2e_alpha', channel: 'google' };
const BETA = { campaign_id: 'camp_e2e_beta', channel: 'meta' };
const GAMMA = { campaign_id: 'camp_e2e_gamma', channel: 'email' };
const ALERTING = { campaign_id: 'camp_e2e_alerting', channel: 'meta' };
/** 20:00 UTC three days ago: 01:30 the next day in Kolkata, so its UTC and Kolkata dates differ. */
const LATE_EVENING = (() => {
  const day = new Date(NOW - 3 * 86_400_000);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 20));
})();
const kolkataDate = (instant: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );

interface BreakdownRow {
  campaignId: string;
  status: string;
  totals: { clicks: number };
}

async function apiBreakdown(): Promise<BreakdownRow[]> {
  const data = await graphqlRequest<{ breakdown: { rows?: BreakdownRow[]; message?: string } }>(
    system.apiUrl,
    /* GraphQL */ `
      query E2eCampaigns($window: WindowInput!) {
        breakdown(window: $window, by: CAMPAIGN) {
          ... on Breakdown {
            rows {
              campaignId
              status
              totals {
                clicks
              }
            }
          }
          ... on InvalidArgumentError {
            message
          }
        }
      }
    `,
    { window: { lastMinutes: WEEK } },
  );
  if (!data.breakdown.rows) throw new Error(`breakdown: ${data.breakdown.message}`);
  return data.breakdown.rows;
}

async function apiImpressions(campaignId: string): Promise<string> {
  const data = await graphqlRequest<{ overview: { current?: { impressions: number }; message?: string } }>(
    system.apiUrl,
    /* GraphQL */ `
      query E2eCampaignOverview($window: WindowInput!, $filter: KpiFilter) {
        overview(window: $window, filter: $filter) {
          ... on Overview {
            current {
              impressions
            }
          }
          ... on InvalidArgumentError {
            message
          }
        }
      }
    `,
    { window: { lastMinutes: WEEK }, filter: { campaignIds: [campaignId] } },
  );
  if (!data.overview.current) throw new Error(`overview: ${data.overview.message}`);
  return formatValue(data.overview.current.impressions, metricView('impressions').format);
}

const rowIds = () =>
  system.page.$$eval('[data-testid=campaign-index-row]', (rows) =>
    rows.map((row) => row.getAttribute('data-campaign')),
  );

describe('campaigns, in a reporting zone that is not UTC', () => {
  it('lists every campaign with its live status, numbers, sparkline and link; search narrows, sort reorders', async () => {
    await system.send([
      ...funnelEvents(ALPHA, new Date(NOW - 30 * 60_000), { ad_impression: 400, ad_click: 30, signup: 4 }),
      ...funnelEvents(ALPHA, LATE_EVENING, { ad_impression: 100, ad_click: 7, signup: 1 }),
      ...funnelEvents(BETA, new Date(NOW - 20 * 60_000), { ad_impression: 300, ad_click: 12 }),
      ...funnelEvents(GAMMA, new Date(NOW - 10 * 60_000), { ad_impression: 200, ad_click: 3, signup: 2 }),
    ]);
    const page = system.page;
    await page.goto(`${system.dashboardUrl}/campaigns?range=7d`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForSelector('[data-testid=campaign-index-row]', { timeout: LIVE_TIMEOUT_MS });

    const expected = await apiBreakdown();
    expect(expected.map((row) => row.campaignId)).toEqual(['camp_e2e_alpha', 'camp_e2e_beta', 'camp_e2e_gamma']);
    expect(await rowIds()).toEqual(expected.map((row) => row.campaignId)); // most clicks first
    for (const row of expected) {
      const tr = page.locator(`[data-testid=campaign-index-row][data-campaign="${row.campaignId}"]`);
      expect(await tr.locator('[data-testid=status]').innerText()).toContain(statusLabel(row.status));
      expect(await tr.locator('[data-column=clicks]').innerText()).toBe(formatValue(row.totals.clicks, 'count'));
      expect(await tr.locator('a').getAttribute('href')).toBe(`/campaigns/${row.campaignId}?range=7d`);
    }
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid=sparkline]')].every(
          (svg) => Number(svg.getAttribute('data-points')) > 1,
        ),
      undefined,
      { timeout: LIVE_TIMEOUT_MS },
    );
    await page.screenshot({ path: path.join(RESULTS_DIR, 'campaigns-index.png'), fullPage: true });

    await page.fill('[data-testid=campaign-search]', 'BETA');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=campaign-index-row]').length === 1);
    expect(await rowIds()).toEqual(['camp_e2e_beta']);
    await page.fill('[data-testid=campaign-search]', '');

    await page.click('[data-sort=clicks]');
    expect(await page.getAttribute('th:has([data-sort=clicks])', 'aria-sort')).toBe('ascending');
    expect(await rowIds()).toEqual(['camp_e2e_gamma', 'camp_e2e_beta', 'camp_e2e_alpha']);
    await page.click('[data-sort=campaignId]');
    expect(await rowIds()).toEqual(['camp_e2e_alpha', 'camp_e2e_beta', 'camp_e2e_gamma']);
  });

  it("changes the campaign page's numbers live, without a reload, as events arrive", async () => {
    const page = system.page;
    await page.click('[data-campaign="camp_e2e_alpha"] a');
    await page.waitForURL(/\/campaigns\/camp_e2e_alpha\?range=7d$/);
    const card = page.locator('[data-kpi="impressions"] [data-testid="kpi-value"]');
    const before = await apiImpressions(ALPHA.campaign_id);
    await expect.poll(() => card.innerText(), { timeout: LIVE_TIMEOUT_MS }).toBe(before);
    await page.evaluate(() => ((window as unknown as { e2eMarker: string }).e2eMarker = 'no reload'));

    await system.send(funnelEvents(ALPHA, new Date(), { ad_impression: 250, ad_click: 5 }, { prefix: 'alpha-live' }));
    const after = await apiImpressions(ALPHA.campaign_id);
    expect(after).not.toBe(before);
    await expect.poll(() => card.innerText(), { timeout: LIVE_TIMEOUT_MS }).toBe(after);
    expect(await page.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe('no reload');
  });

  it("draws daily buckets as Kolkata days, equal to the API's time series in that zone, partial ones marked", async () => {
    const page = system.page;
    await page.click('[data-grain=DAY]');
    await expect
      .poll(() => page.locator('[data-testid=history-zone]').innerText(), { timeout: LIVE_TIMEOUT_MS })
      .toContain(`Daily, last 30 days, ${ZONE} time`);
    const data = await graphqlRequest<{
      timeSeries: {
        window: { timeZone: string };
        points: { bucket: string; bucketEnd: string; partial: boolean; totals: { clicks: number } }[];
      };
    }>(
      system.apiUrl,
      /* GraphQL */ `
        query E2eDaily($window: WindowInput!, $filter: KpiFilter) {
          timeSeries(window: $window, filter: $filter, granularity: DAY) {
            ... on TimeSeries {
              window {
                timeZone
              }
              points {
                bucket
                bucketEnd
                partial
                totals {
                  clicks
                }
              }
            }
          }
        }
      `,
      { window: { lastMinutes: 30 * 24 * 60, timeZone: ZONE }, filter: { campaignIds: [ALPHA.campaign_id] } },
    );
    expect(data.timeSeries.window.timeZone).toBe(ZONE);
    const late = LATE_EVENING.getTime();
    const point = data.timeSeries.points.find((p) => Date.parse(p.bucket) <= late && late < Date.parse(p.bucketEnd));
    expect(point?.totals.clicks).toBe(7);

    // The page shows the API's buckets, labelled with their local date in the zone the API names.
    const rows = page.locator('[data-testid=history-row]');
    await expect.poll(() => rows.count(), { timeout: LIVE_TIMEOUT_MS }).toBe(data.timeSeries.points.length);
    const row = page.locator(`[data-testid=history-row][data-bucket="${point!.bucket}"]`);
    expect((await row.locator('td').first().innerText()).trim()).toBe(formatBucket(point!.bucket, 'DAY', ZONE));
    expect(await row.locator('[data-metric=clicks]').innerText()).toBe('7');
    // Newest first: the day not over yet and the window's cut first day are marked partial, the others not.
    const partial = await rows.evaluateAll((trs) => trs.map((tr) => tr.classList.contains('partial')));
    expect(partial).toEqual([...data.timeSeries.points].reverse().map((p) => p.partial));
    expect(partial[0]).toBe(true);
    expect(partial.at(-1)).toBe(true);

    // Kolkata days: the one holding 20:00 UTC starts at 18:30 UTC and is the next calendar date, not the UTC one.
    expect(point!.bucket).toMatch(/T18:30:00(\.000)?Z$/);
    expect(kolkataDate(new Date(point!.bucket))).toBe(kolkataDate(LATE_EVENING));
    expect(kolkataDate(LATE_EVENING)).not.toBe(LATE_EVENING.toISOString().slice(0, 10));
    // …and its label names that local date ("29 Nov" for the Kolkata day that began 18:30 UTC on the 28th).
    expect(formatBucket(point!.bucket, 'DAY', ZONE)).toBe(
      new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: ZONE }).format(LATE_EVENING),
    );
  });

  it("links a worker-fired alert to its campaign, whose chart draws the alert's window and baseline", async () => {
    // A CTR collapse the worker's detector must flag: 10 % over the baseline hours, 2 % in the last minutes. The
    // baseline has more than the rule's minBaselineVolume (2,000) impressions: below it the rate is not known yet.
    await system.send([
      ...funnelEvents(ALERTING, new Date(NOW - 2 * 3_600_000), { ad_impression: 3000, ad_click: 300 }),
      ...funnelEvents(ALERTING, new Date(Date.now() - 5 * 60_000), { ad_impression: 1000, ad_click: 20 }),
    ]);
    const alertId = await runAnomalyCheck(system.databaseUrl, ALERTING.campaign_id, LIVE_TIMEOUT_MS);
    const { alert } = await graphqlRequest<{
      alert: { windowStart: string; windowEnd: string; baselineValue: number } | null;
    }>(
      system.apiUrl,
      /* GraphQL */ `
        query E2eAlert($id: ID!) {
          alert(id: $id) {
            windowStart
            windowEnd
            baselineValue
          }
        }
      `,
      { id: String(alertId) },
    );
    expect(alert?.windowStart).toBeTruthy();

    const page = system.page;
    await page.goto(`${system.dashboardUrl}/?range=6h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const link = page.locator(`[data-alert-id="${alertId}"] [data-testid=alert-campaign-link]`);
    await link.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await link.click();
    await page.waitForURL(/\/campaigns\/camp_e2e_alerting\?range=6h$/);

    const overlay = page.locator('[data-testid=alert-overlay]');
    await overlay.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await page.inputValue('[data-testid=chart-metric]')).toBe('ctr');
    expect(await overlay.getAttribute('data-window-start')).toBe(alert!.windowStart);
    expect(await overlay.getAttribute('data-window-end')).toBe(alert!.windowEnd);
    expect(Number(await overlay.getAttribute('data-baseline'))).toBe(alert!.baselineValue);
    expect(await overlay.innerText()).toContain(`baseline ${formatValue(alert!.baselineValue, 'percent')} dashed`);
    await page.waitForTimeout(1500); // the chart's entry animation, so the screenshot shows the whole series
    await page.screenshot({ path: path.join(RESULTS_DIR, 'campaign-alert.png'), fullPage: true });
  });
  it('fits a 390 px phone: no horizontal page scroll on the index or the campaign page', async () => {
    const page = system.page;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const url of ['/campaigns?range=7d', '/campaigns/camp_e2e_alerting?range=6h']) {
        await page.goto(`${system.dashboardUrl}${url}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
        await page.waitForSelector('[data-testid=campaign-index-row], [data-testid=history-row]', {
          timeout: LIVE_TIMEOUT_MS,
        });
        const name = url.startsWith('/campaigns?') ? 'campaigns-index-390.png' : 'campaign-390.png';
        await page.screenshot({ path: path.join(RESULTS_DIR, name), fullPage: true });
        expect(await page.evaluate(() => document.documentElement.scrollWidth), url).toBeLessThanOrEqual(390);
      }
    } finally {
      await page.setViewportSize({ width: 1600, height: 1000 });
    }
  });
  it('has no serious accessibility violations on the index and the campaign page (axe-core)', async () => {
    const page = system.page;
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    for (const route of ['/campaigns?range=7d', '/campaigns/camp_e2e_alerting?range=6h']) {
      await page.goto(`${system.dashboardUrl}${route}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.waitForSelector('[data-testid=campaign-index-row], [data-testid=history-row]', {
        timeout: LIVE_TIMEOUT_MS,
      });
      await page.waitForFunction(() => !document.querySelector('[data-state="loading"]'), undefined, {
        timeout: LIVE_TIMEOUT_MS,
      });
      await page.evaluate(axeSource); // not a <script>: the dashboard's CSP refuses inline scripts
      const serious = await page.evaluate(async () => {
        type Violation = { id: string; impact: string; nodes: { target: string[] }[] };
        const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: Violation[] }> } })
          .axe;
        const result = await axe.run(document);
        return result.violations
          .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
          .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
      });
      expect(serious, route).toEqual([]);
    }
  });
});
