import { funnelEvents } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { CARD_METRICS } from '../src/lib/dashboard-metrics.ts';
import { graphqlRequest } from './support/seed.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * The reporting time zone in a real browser: the server reports in Asia/Kolkata, the browser itself runs in New York
 * (so neither UTC nor the machine's zone can pass for the reporting one), and the user can switch zones.
 */
const system = useE2eSystem({
  server: { reportingTimeZone: 'Asia/Kolkata' },
  browserTimeZone: 'America/New_York',
});

const TODAY_QUERY = /* GraphQL */ `
  query E2eToday($timeZone: String) {
    overview(window: { period: TODAY, timeZone: $timeZone }) {
      ... on Overview {
        window {
          from
          timeZone
        }
        current {
          impressions
          clicks
        }
      }
    }
  }
`;

interface Today {
  overview: { window: { from: string; timeZone: string }; current: { impressions: number; clicks: number } };
}

async function shownImpressions(): Promise<string | undefined> {
  return system.page
    .locator('[data-kpi="impressions"] [data-testid="kpi-value"]')
    .textContent({ timeout: LIVE_TIMEOUT_MS })
    .then((text) => text?.trim());
}

async function waitForImpressions(expected: number) {
  const text = expected.toLocaleString('en-US');
  await system.page
    .waitForFunction(
      (want) =>
        document.querySelector('[data-kpi="impressions"] [data-testid="kpi-value"]')?.textContent?.trim() === want,
      text,
      { timeout: LIVE_TIMEOUT_MS, polling: 100 },
    )
    .catch(() => undefined);
  expect(await shownImpressions()).toBe(text);
}

describe('reporting time zone', () => {
  it("shows Today in the server's zone, then in the zone the user picks, with the numbers the API gives", async () => {
    expect(CARD_METRICS).toContain('impressions');
    const now = Date.now();
    // Events every 2 hours over the last 30 hours: "today" differs between Kolkata and New York.
    for (let hoursAgo = 0; hoursAgo < 30; hoursAgo += 2) {
      await system.send(
        funnelEvents(
          { campaign_id: `camp_tz_${hoursAgo}`, channel: 'email' },
          new Date(now - hoursAgo * 3_600_000 - 60_000),
          { ad_impression: 10 + hoursAgo, ad_click: 1, signup: 0, activation: 0 },
        ),
      );
    }
    const kolkata = await graphqlRequest<Today>(system.apiUrl, TODAY_QUERY, {});
    const newYork = await graphqlRequest<Today>(system.apiUrl, TODAY_QUERY, { timeZone: 'America/New_York' });
    expect(kolkata.overview.window.timeZone).toBe('Asia/Kolkata');
    // The two "todays" start at different instants and hold different numbers (the fixture really tells them apart).
    expect(kolkata.overview.window.from).not.toBe(newYork.overview.window.from);
    expect(kolkata.overview.current.impressions).not.toBe(newYork.overview.current.impressions);

    const page = system.page;
    await page.goto(`${system.dashboardUrl}/?range=today`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await expect
      .poll(() => page.locator('[data-testid="window-description"]').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toBe('Today (Asia/Kolkata)');
    await expect
      .poll(() => page.locator('[data-testid="time-zone-picker"] option').first().textContent())
      .toContain('Asia/Kolkata (server default)');
    await waitForImpressions(kolkata.overview.current.impressions);

    await page.locator('[data-testid="time-zone-picker"] select').selectOption('America/New_York');
    await expect
      .poll(() => page.locator('[data-testid="window-description"]').textContent())
      .toBe('Today (America/New_York)');
    await waitForImpressions(newYork.overview.current.impressions);

    // The choice is the user's own: it survives a reload, and "server default" gives the server's zone back.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForImpressions(newYork.overview.current.impressions);
    await page.locator('[data-testid="time-zone-picker"] select').selectOption('');
    await waitForImpressions(kolkata.overview.current.impressions);
  });

  it('shows times in the reporting zone, not the browser’s', async () => {
    const page = system.page;
    await page.goto(`${system.dashboardUrl}/pipeline`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await expect
      .poll(() => page.locator('main').innerText(), { timeout: LIVE_TIMEOUT_MS })
      .toContain('Asia/Kolkata (UTC+05:30)');
    expect(await page.locator('main').innerText()).not.toContain('America/New_York');
  });
});
