import { funnelEvents, type CampaignKey, type TestEvent } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { formatValue } from '../src/lib/format.ts';
import { graphqlRequest } from './support/seed.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * Money in a real browser against the real server (ADMIN_TOKEN set, so changes need it): a campaign renamed through
 * its settings form after the dashboard asked for the admin token, its name in the index; a daily budget that makes
 * pacing appear; a spend CSV with one bad line; and pacing and ROAS following events with revenue without a reload.
 */
const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const system = useE2eSystem({ server: { adminToken: ADMIN_TOKEN } });

const MONEY: CampaignKey = { campaign_id: 'camp_e2e_money', channel: 'google' };
const IMPORTED = 'camp_e2e_imported';
const NAME = 'Money test (EMEA)';

/** 100 impressions at $0.001 and 20 clicks at $0.50: $10.10 of spend; activations worth `revenueEach`. */
function batch(at: Date, activations = 0, revenueEach = 0): TestEvent[] {
  return funnelEvents(
    MONEY,
    at,
    { ad_impression: 100, ad_click: 20, signup: activations, activation: activations },
    {
      prefix: `money-${at.getTime()}`,
    },
  ).map((event) => (event.event_type === 'activation' ? { ...event, revenue: revenueEach } : event));
}

const utcDate = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe('money on the dashboard', () => {
  const settings = () => system.page.getByRole('form', { name: 'Campaign settings' });
  const indexRow = (campaignId: string) =>
    system.page.locator(`[data-testid="campaign-index-row"][data-campaign="${campaignId}"]`);

  it('renames a campaign once the admin token is given, and the index shows the name with the id', async () => {
    const { page } = system;
    await system.send(batch(new Date()));
    await page.goto(`${system.dashboardUrl}/campaigns/${MONEY.campaign_id}`);
    await settings().waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await settings().getByLabel('Name', { exact: true }).inputValue()).toBe(MONEY.campaign_id);

    // Without a token the server refuses the change and the dashboard asks for one.
    await settings().getByLabel('Name', { exact: true }).fill(NAME);
    await settings().getByRole('button', { name: 'Save settings' }).click();
    await page.waitForSelector('[data-testid="read-token"]', { timeout: LIVE_TIMEOUT_MS });
    await page.fill('[data-testid="read-token"]', ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await settings().waitFor({ timeout: LIVE_TIMEOUT_MS });
    await settings().getByLabel('Name', { exact: true }).fill(NAME);
    await settings().getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('campaign-saved').waitFor({ timeout: LIVE_TIMEOUT_MS });
    // The heading comes from the page's own query, which urql re-reads once the mutation's Campaign invalidates it:
    // it follows the save by one round trip, not with it.
    await expect
      .poll(() => page.locator('#campaign-heading [data-testid="campaign-name"]').textContent(), {
        timeout: LIVE_TIMEOUT_MS,
      })
      .toBe(NAME);
    expect(await page.locator('#campaign-heading [data-testid="campaign-id"]').textContent()).toBe(MONEY.campaign_id);

    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await indexRow(MONEY.campaign_id).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect
      .poll(() => indexRow(MONEY.campaign_id).getByTestId('campaign-name').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toBe(NAME);
    expect(await indexRow(MONEY.campaign_id).getByTestId('campaign-id').textContent()).toBe(MONEY.campaign_id);
    // Searching by name finds it.
    await page.getByTestId('campaign-search').fill('emea');
    await expect.poll(() => page.getByTestId('campaign-index-row').count()).toBe(1);
  });

  it('shows pacing once a daily budget is set, in the panel and in the index', async () => {
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/campaigns/${MONEY.campaign_id}`);
    const panel = page.getByTestId('pacing-panel');
    await panel.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await panel.getAttribute('data-pacing')).toBe('NONE');
    expect(await page.getByTestId('pacing-status').textContent()).toContain('Set a daily budget');

    // $10.10 spent today can only project to more than a $1 budget (the projection is never below today's spend).
    await settings().getByLabel('Daily budget').fill('1');
    await settings().getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('campaign-saved').waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect.poll(() => panel.getAttribute('data-pacing'), { timeout: LIVE_TIMEOUT_MS }).toBe('OVER');
    expect(await page.getByTestId('pacing-budget').textContent()).toBe('$1.00');
    expect(await page.getByTestId('pacing-spend-today').textContent()).toBe('$10.10');
    // No spend on the same weekday of the last weeks: a straight line.
    expect(await page.getByTestId('pacing-method').getAttribute('data-from-history')).toBe('false');
    expect(await page.getByTestId('pacing-status').textContent()).toContain('Over pace');

    await page.goto(`${system.dashboardUrl}/campaigns`);
    const pacing = indexRow(MONEY.campaign_id).getByTestId('pacing');
    await expect.poll(() => pacing.getAttribute('data-pacing'), { timeout: LIVE_TIMEOUT_MS }).toBe('OVER');
    expect(await pacing.textContent()).toContain('of $1.00');
  });

  it('uploads a spend CSV with one bad line: the line and reason are shown, the other rows stored and listed', async () => {
    const { page } = system;
    await page.getByRole('link', { name: 'Spend', exact: true }).click();
    const form = page.getByRole('form', { name: 'Upload spend' });
    await form.waitFor({ timeout: LIVE_TIMEOUT_MS });
    await form
      .getByLabel('CSV text')
      .fill(
        [
          'date,campaign_id,channel,spend,impressions,clicks',
          `${utcDate(1)},${IMPORTED},google,120.50,4000,150`,
          `${utcDate(1)},${IMPORTED},meta,lots,,`,
          `${utcDate(2)},${IMPORTED},google,80,,`,
        ].join('\n'),
      );
    await form.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('spend-result').waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await page.getByTestId('spend-stored').textContent()).toBe('2');
    expect(await page.getByTestId('spend-rejected').textContent()).toBe('1');
    const bad = page.locator('[data-testid="spend-errors"] tbody tr');
    expect(await bad.count()).toBe(1);
    expect(await bad.getAttribute('data-line')).toBe('2');
    const cells = await bad.locator('td').allTextContents();
    expect(cells[0]).toBe('2');
    expect(cells[1]).toBe('spend');
    expect(cells[2]).toContain('spend must be a number');

    const imports = page.locator(`[data-testid="spend-import"][data-campaign="${IMPORTED}"]`);
    await expect.poll(() => imports.count(), { timeout: LIVE_TIMEOUT_MS }).toBe(2);
    expect((await imports.getByTestId('spend-import-spend').allTextContents()).sort()).toEqual(['$120.50', '$80.00']);
  });

  it('updates pacing and ROAS live when events with revenue arrive', async () => {
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/campaigns/${MONEY.campaign_id}`);
    const roas = page.locator('[data-kpi="roas"] [data-testid="kpi-value"]');
    await expect.poll(() => roas.textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe('0.00×');
    await expect
      .poll(() => page.getByTestId('pacing-spend-today').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toBe('$10.10');

    // Another $10.10 of spend and 4 activations worth $25.25: $101 of revenue over $20.20 of spend.
    await system.send(batch(new Date(), 4, 25.25));
    await expect.poll(() => roas.textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe(formatValue(101 / 20.2, 'ratio'));
    await expect
      .poll(() => page.getByTestId('pacing-spend-today').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toBe('$20.20');
    expect(await page.locator('[data-kpi="revenue"] [data-testid="kpi-value"]').textContent()).toBe('$101.00');

    // The same numbers the API gives.
    const data = await graphqlRequest<{ campaign: { pacing: { spendToday: number } } }>(
      system.apiUrl,
      `query { campaign(campaignId: "${MONEY.campaign_id}") { ... on Campaign { pacing { spendToday } } } }`,
      {},
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(data.campaign.pacing.spendToday).toBeCloseTo(20.2, 6);
  });
});
