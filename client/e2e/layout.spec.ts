import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';
import { LAYOUT_CAMPAIGN_ID, realisticTraffic, runRollups } from './support/traffic.ts';

/**
 * Layout at a phone's and a laptop's width on every page (overview, campaigns index, campaign, alerts, pipeline,
 * notifications, alert rules), with realistic data (long campaign ids, six hours of traffic, a reporting zone with a
 * half-hour offset): no horizontal page scroll, nothing in main outside the screen unless inside a scroll container,
 * no KPI or table-header text overlapping another or its card, charts with a size. Screenshots: test-results/layout-*.png, and
 * test-results/after-*.png for the overview and campaign pages (the copies committed in docs/screenshots/issue-13/
 * were taken so, beside the before-*.png of the dashboard before issue 13; a test run never rewrites the repo).
 */
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;
/** Pages whose whole layout is checked, with what shows that they have rendered their data. */
const PAGES = [
  { name: 'overview', route: '/?range=6h', ready: '[data-kpi]' },
  { name: 'campaigns', route: '/campaigns?range=6h', ready: '[data-testid=campaign-row], main table' },
  { name: 'campaign', route: `/campaigns/${LAYOUT_CAMPAIGN_ID}`, ready: '#campaign-heading' },
  { name: 'alerts', route: '/alerts', ready: 'main h2' },
  { name: 'pipeline', route: '/pipeline', ready: 'main h2' },
  { name: 'notifications', route: '/notifications', ready: 'main h2' },
  { name: 'rules', route: '/rules', ready: 'tr[data-rule]' },
  { name: 'spend', route: '/spend', ready: 'main h2' },
] as const;
/** Text that must not overlap other text of the same group: KPI cards' parts, table headers. */
const TEXT_GROUPS = ['[data-kpi] .kpi-label, [data-kpi] .kpi-value, [data-kpi] .kpi-change', 'thead th'];

// A reporting zone other than UTC with a half-hour offset: bucket and axis labels at their longest and least aligned.
const system = useE2eSystem({ server: { reportingTimeZone: 'Asia/Kolkata' } });

interface LayoutReport {
  scrollWidth: number;
  innerWidth: number;
  outside: string[];
  overlaps: string[];
  overflowingCards: string[];
  emptyCharts: number;
  charts: number;
}

/** Measures the page in the browser; each list names the offending elements, so a failure says what to fix. */
function measure(page: Page): Promise<LayoutReport> {
  return page.evaluate((groups) => {
    const name = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : ''} "${(element.textContent ?? '').trim().slice(0, 30)}"`;
    const visible = (element: Element) => {
      const rect = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      return rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    const clipped = (element: Element) => {
      for (let parent = element.parentElement; parent && parent.tagName !== 'MAIN'; parent = parent.parentElement) {
        if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(parent).overflowX)) return true;
      }
      return false;
    };
    const textBox = (element: Element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      return range.getBoundingClientRect();
    };
    const intersect = (a: DOMRect, b: DOMRect) =>
      a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;

    const width = window.innerWidth;
    const outside = [...document.querySelectorAll('main *')]
      .filter((element) => visible(element) && !element.closest('.visually-hidden'))
      .filter((element) => {
        const rect = element.getBoundingClientRect();
        return (rect.left < -1 || rect.right > width + 1) && !clipped(element);
      })
      .map(name);
    const overlaps: string[] = [];
    for (const selector of groups) {
      const items = [...document.querySelectorAll(selector)].filter(visible);
      items.forEach((a, i) =>
        items.slice(i + 1).forEach((b) => {
          if (intersect(textBox(a), textBox(b))) overlaps.push(`${name(a)} × ${name(b)}`);
        }),
      );
    }
    const overflowingCards = [...document.querySelectorAll('[data-kpi] > *')].filter((part) => {
      const card = part.parentElement!.getBoundingClientRect();
      const text = textBox(part);
      return text.left < card.left - 1 || text.right > card.right + 1;
    });
    const charts = [...document.querySelectorAll('main .chart')];
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: width,
      outside: outside.slice(0, 10),
      overlaps,
      overflowingCards: overflowingCards.map(name),
      emptyCharts: charts.filter((chart) => !visible(chart)).length,
      charts: charts.length,
    };
  }, TEXT_GROUPS);
}

/** Scrolls to the bottom a screen at a time and back, so that charts waiting for the viewport render. */
async function scrollThrough(page: Page): Promise<void> {
  for (let y = 0; y < (await page.evaluate(() => document.documentElement.scrollHeight)); y += 600) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(100);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

beforeAll(async () => {
  await mkdir(RESULTS_DIR, { recursive: true });
  await system.send(realisticTraffic(new Date()));
  await runRollups(system.databaseUrl, LIVE_TIMEOUT_MS);
});

describe.each(VIEWPORTS)('layout at $width px', (viewport) => {
  beforeAll(async () => {
    await system.page.setViewportSize(viewport);
  });

  it.each(PAGES)('$name: no horizontal scroll, nothing off screen or overlapping, charts sized', async (target) => {
    const page = system.page;
    await page.goto(`${system.dashboardUrl}${target.route}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(target.ready, { timeout: LIVE_TIMEOUT_MS });
    await scrollThrough(page);
    if (target.name === 'overview')
      await page.waitForSelector('.chart-slot-clicks canvas', { timeout: LIVE_TIMEOUT_MS });
    // Charts draw and resize asynchronously (autoresize); measure the settled page.
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.waitForTimeout(500);
    const report = await measure(page);
    await page.screenshot({
      path: path.join(RESULTS_DIR, `layout-${target.name}-${viewport.width}.png`),
      fullPage: true,
    });
    if (target.name === 'overview' || target.name === 'campaign') {
      await page.screenshot({
        path: path.join(RESULTS_DIR, `after-${target.name}-${viewport.width}.png`),
        fullPage: viewport.width > 1000,
      });
    }
    expect(report.scrollWidth).toBeLessThanOrEqual(report.innerWidth);
    expect(report.outside).toEqual([]);
    expect(report.overlaps).toEqual([]);
    expect(report.overflowingCards).toEqual([]);
    expect(report.emptyCharts).toBe(0);
    if (target.name === 'overview') expect(report.charts).toBeGreaterThanOrEqual(3);
  });
});

describe('first paint on a phone', () => {
  it('shows the KPI cards without loading ECharts; the charts load when scrolled to', async () => {
    const page = system.page;
    await page.setViewportSize(VIEWPORTS[0]);
    const scripts: string[] = [];
    const record = (request: { url(): string }) => scripts.push(new URL(request.url()).pathname);
    page.on('request', record);
    try {
      await page.goto(`${system.dashboardUrl}/?range=6h`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('[data-kpi]', { timeout: LIVE_TIMEOUT_MS });
      await page.waitForLoadState('networkidle').catch(() => undefined);
      expect(scripts.filter((script) => /\/assets\/echarts/.test(script))).toEqual([]);
      await page.locator('.chart-slot-trend').scrollIntoViewIfNeeded();
      await page.waitForSelector('.chart-slot-trend canvas', { timeout: LIVE_TIMEOUT_MS });
      expect(scripts.some((script) => /\/assets\/echarts-line/.test(script))).toBe(true);
    } finally {
      page.off('request', record);
    }
  });
});

describe('a filter that matches nothing', () => {
  it('says so instead of blaming the generator, and clears the filter in one click', async () => {
    const page = system.page;
    await page.goto(`${system.dashboardUrl}/?range=6h&campaign=${LAYOUT_CAMPAIGN_ID}&channel=google`, {
      waitUntil: 'domcontentloaded',
    });
    const empty = page.locator('[data-state=empty]');
    await empty.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await empty.innerText()).toMatch(/^No events match the campaign and channel filter in this window/);
    await page.click('[data-testid=clear-filter]');
    await page.waitForSelector('.chart-slot-funnel', { timeout: LIVE_TIMEOUT_MS });
    expect(new URL(page.url()).search).toBe('?range=6h');
    expect(await page.locator('[data-state=empty]').count()).toBe(0);
  });
});
