import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMetricChange } from '@pmd/domain';
import { funnelEvents } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { CARD_METRICS } from '../src/lib/dashboard-metrics.ts';
import { comparisonLabel, fromKpiDelta, toLocalInput } from '../src/lib/comparison.ts';
import { graphqlRequest } from './support/seed.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * The KPI cards' comparisons in a real browser against a real server reporting in Asia/Kolkata: events now, an hour
 * ago, a week ago and three days ago; each comparison the select offers must show on the cards exactly the change the
 * API computes, rates in percentage points and counts and money in percent, worded and coloured as good or bad news.
 */
const system = useE2eSystem({ server: { reportingTimeZone: 'Asia/Kolkata' } });

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const KEY = { campaign_id: 'camp_e2e_compare', channel: 'google' };

const OVERVIEW = /* GraphQL */ `
  query E2eComparison($window: WindowInput!, $compareTo: ComparisonInput) {
    overview(window: $window, compareTo: $compareTo) {
      __typename
      ... on Overview {
        comparison
        comparisonWindow {
          from
          to
          minutes
          timeZone
        }
        comparisonHasData
        changes {
          metric
          current
          previous
          absolute
          relative
          unit
          direction
          good
        }
      }
      ... on InvalidArgumentError {
        message
      }
    }
  }
`;

type Delta = Parameters<typeof fromKpiDelta>[0];
interface OverviewData {
  overview: {
    __typename: string;
    comparison: 'PREVIOUS_PERIOD' | 'SAME_PERIOD_LAST_WEEK' | 'CUSTOM';
    comparisonWindow: { from: string; to: string; minutes: number; timeZone: string };
    comparisonHasData: boolean;
    changes: Delta[];
    message?: string;
  };
}

interface CardChange {
  delta: string;
  vs: string;
  tone: string;
}

/** What each card's change line must read, from the API's numbers for the dashboard's window (the last hour). */
async function expectedChanges(compareTo: Record<string, unknown>): Promise<Record<string, CardChange>> {
  const { overview } = await graphqlRequest<OverviewData>(system.apiUrl, OVERVIEW, {
    window: { lastMinutes: 60 },
    compareTo,
  });
  if (overview.__typename !== 'Overview') throw new Error(`overview: ${overview.message}`);
  expect(overview.comparisonWindow.timeZone).toBe('Asia/Kolkata');
  const vs = comparisonLabel(overview.comparison, overview.comparisonWindow);
  const changes = new Map(overview.changes.map(fromKpiDelta).map((change) => [change.metric, change]));
  return Object.fromEntries(
    CARD_METRICS.map((metric) => {
      const change = changes.get(metric)!;
      const tone = !overview.comparisonHasData || change.good === null ? 'neutral' : change.good ? 'good' : 'bad';
      const delta = overview.comparisonHasData ? formatMetricChange(change) : 'no data in the comparison period';
      return [metric, { delta, vs, tone }];
    }),
  );
}

async function shownChanges(): Promise<Record<string, CardChange>> {
  return system.page.evaluate((metrics) => {
    const read = (metric: string) => {
      const line = document.querySelector(`[data-kpi="${metric}"] [data-testid="kpi-change"]`);
      const text = (id: string) => line?.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? '(missing)';
      const tone = ['good', 'bad', 'neutral'].find((name) => line?.classList.contains(name)) ?? '(none)';
      return { delta: text('kpi-delta'), vs: text('kpi-vs'), tone };
    };
    return Object.fromEntries(metrics.map((metric) => [metric, read(metric)]));
  }, CARD_METRICS as string[]);
}

/** Waits until the cards show `expected`; on timeout, fails with the difference. */
async function waitForChanges(expected: Record<string, CardChange>) {
  await system.page
    .waitForFunction(
      (want) =>
        Object.entries(want).every(([metric, change]) => {
          const line = document.querySelector(`[data-kpi="${metric}"] [data-testid="kpi-change"]`);
          return (
            line?.querySelector('[data-testid="kpi-delta"]')?.textContent?.trim() === change.delta &&
            line?.querySelector('[data-testid="kpi-vs"]')?.textContent?.trim() === change.vs &&
            line.classList.contains(change.tone)
          );
        }),
      expected,
      { timeout: LIVE_TIMEOUT_MS, polling: 100 },
    )
    .catch(() => undefined);
  expect(await shownChanges()).toEqual(expected);
}

/** `YYYY-MM-DDTHH:mm` of an instant in the reporting zone, as the custom range inputs take it. */
const inputValue = (ms: number) => toLocalInput(ms, 'Asia/Kolkata');

describe('KPI comparisons against a server reporting in Asia/Kolkata', () => {
  it('shows pp for rates and % for counts and money for each comparison the select offers', async () => {
    const now = Date.now();
    // CTR 3% in the last hour, 2% the hour before, 5% a week ago, 4% three days ago.
    await system.send([
      ...funnelEvents(KEY, new Date(now - 10 * MINUTE), { ad_impression: 300, ad_click: 9, signup: 3, activation: 1 }),
      ...funnelEvents(KEY, new Date(now - 70 * MINUTE), { ad_impression: 200, ad_click: 4, signup: 2, activation: 1 }),
      ...funnelEvents(KEY, new Date(now - 7 * DAY - 10 * MINUTE), {
        ad_impression: 400,
        ad_click: 20,
        signup: 4,
        activation: 2,
      }),
      ...funnelEvents(KEY, new Date(now - 3 * DAY), { ad_impression: 250, ad_click: 10, signup: 5, activation: 5 }),
    ]);
    const page = system.page;
    await page.goto(`${system.dashboardUrl}/?range=1h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    // Previous period (the default): CTR 2% → 3% is +1.0 pp (not +50%), clicks 4 → 9 is +125.0%.
    const previous = await expectedChanges({ kind: 'PREVIOUS_PERIOD' });
    expect(previous.ctr).toEqual({ delta: '+1.0 pp', vs: 'vs previous 1 h', tone: 'good' });
    expect(previous.clicks).toEqual({ delta: '+125.0%', vs: 'vs previous 1 h', tone: 'good' });
    await waitForChanges(previous);
    await expect.poll(() => page.locator('[data-kpi="ctr"] [data-testid="kpi-change"]').innerText()).toContain('▲');

    // Same period last week: CTR 5% → 3% is −2.0 pp, bad news; clicks 20 → 9 is −55.0%.
    await page.locator('[data-testid="comparison"]').selectOption('lastWeek');
    await page.waitForURL(/compare=lastWeek/);
    const lastWeek = await expectedChanges({ kind: 'SAME_PERIOD_LAST_WEEK' });
    expect(lastWeek.ctr).toEqual({ delta: '-2.0 pp', vs: 'vs same time last week', tone: 'bad' });
    expect(lastWeek.clicks).toEqual({ delta: '-55.0%', vs: 'vs same time last week', tone: 'bad' });
    await waitForChanges(lastWeek);
    expect(await page.locator('[data-kpi="ctr"] [data-testid="kpi-verdict"]').innerText()).toBe('worse');
    await mkdir(RESULTS_DIR, { recursive: true });
    await page.locator('.kpi-grid').screenshot({ path: path.join(RESULTS_DIR, 'comparisons-last-week.png') });

    // A custom range around the events of three days ago: CTR 4% → 3% is −1.0 pp, impressions 250 → 300 +20.0%.
    const from = Math.floor((now - 3 * DAY - 30 * MINUTE) / MINUTE) * MINUTE;
    const to = from + 60 * MINUTE;
    await page.locator('[data-testid="comparison"]').selectOption('custom');
    // The range is entered in the server's reporting zone, which the dashboard learns from the API.
    await expect.poll(() => page.locator('#comparison-range').innerText()).toContain('Compare from (Asia/Kolkata)');
    await page.locator('#comparison-range input').nth(0).fill(inputValue(from));
    await page.locator('#comparison-range input').nth(1).fill(inputValue(to));
    await page.locator('#comparison-range button[type="submit"]').click();
    await page.waitForURL(/compare=custom/);
    const custom = await expectedChanges({
      kind: 'CUSTOM',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    expect(custom.ctr!.delta).toBe('-1.0 pp');
    expect(custom.impressions!.delta).toBe('+20.0%');
    // The label names the range in the reporting zone (Kolkata is UTC+05:30), not in UTC.
    const kolkata = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Kolkata' });
    expect(custom.ctr!.vs).toContain(kolkata.format(new Date(from)));
    await waitForChanges(custom);

    // A range with no events says so instead of "n/a" or "-100%".
    const empty = now - 30 * DAY;
    await page.locator('#comparison-range input').nth(0).fill(inputValue(empty));
    await page
      .locator('#comparison-range input')
      .nth(1)
      .fill(inputValue(empty + 60 * MINUTE));
    await page.locator('#comparison-range button[type="submit"]').click();
    const none = await expectedChanges({
      kind: 'CUSTOM',
      from: new Date(Math.floor(empty / MINUTE) * MINUTE).toISOString(),
      to: new Date(Math.floor(empty / MINUTE) * MINUTE + 60 * MINUTE).toISOString(),
    });
    expect(none.clicks!.delta).toBe('no data in the comparison period');
    await waitForChanges(none);
  });
});
