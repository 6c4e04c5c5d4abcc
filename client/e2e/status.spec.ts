import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type TestEvent } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

const MINUTE = 60_000;

/**
 * The campaign table's status in a real browser, against a real server reporting in Asia/Kolkata: one campaign per
 * status, and the reasons behind a status as its tooltip and accessible description.
 */
describe('campaign status: Healthy, At Risk, Not enough data', () => {
  const system = useE2eSystem({ server: { reportingTimeZone: 'Asia/Kolkata' }, browserTimeZone: 'Asia/Kolkata' });

  /** `count` events of a type spread over the last `minutes`, every one by a user of its own (no journeys). */
  function events(campaign_id: string, event_type: TestEvent['event_type'], count: number, minutes = 30) {
    const now = Date.now() - 5_000;
    return Array.from({ length: count }, (_, i) => ({
      event_id: `${campaign_id}-${event_type}-${i}`,
      ts: new Date(now - ((i + 0.5) * minutes * MINUTE) / count).toISOString(),
      user_id: `${campaign_id}-${event_type}-${i}`,
      campaign_id,
      channel: 'google',
      event_type,
      cost: event_type === 'ad_click' ? 0.4 : 0,
    }));
  }

  it('shows each status with its words and mark, and the reasons in a tooltip and description', async () => {
    await system.send([
      ...events('camp_status_good', 'ad_impression', 1_000),
      ...events('camp_status_good', 'ad_click', 60),
      ...events('camp_status_good', 'signup', 40),
      ...events('camp_status_good', 'activation', 30),
      ...events('camp_status_drop', 'ad_impression', 3_000),
      ...events('camp_status_drop', 'ad_click', 15),
      ...events('camp_status_tiny', 'ad_impression', 20),
      ...events('camp_status_tiny', 'ad_click', 1),
      ...events('camp_status_tiny', 'signup', 3),
    ]);
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/?range=1h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="campaign-row"]').length === 3,
      undefined,
      {
        timeout: LIVE_TIMEOUT_MS,
      },
    );
    const statuses = await page.$$eval('[data-testid="campaign-row"]', (rows) =>
      Object.fromEntries(
        rows.map((row) => {
          const status = row.querySelector<HTMLElement>('[data-testid="status"]')!;
          const describedBy = status.getAttribute('aria-describedby');
          return [
            row.querySelector('td')!.textContent!.trim(),
            {
              text: status.textContent!.trim(),
              title: status.getAttribute('title'),
              description: describedBy ? document.getElementById(describedBy)?.textContent?.trim() : null,
              color: getComputedStyle(status).color,
            },
          ];
        }),
      ),
    );
    expect(statuses.camp_status_good).toMatchObject({ text: '✓ Healthy', title: null, description: null });
    expect(statuses.camp_status_drop).toMatchObject({
      text: '⚠ At Risk',
      title: 'CTR 0.5% from 3,000 impressions in the last 1 h: at most 0.8% (95% upper bound), below 2.0%',
    });
    expect(statuses.camp_status_tiny!.text).toBe('… Not enough data');
    expect(statuses.camp_status_tiny!.title).toMatch(
      /^CTR: 20 impressions in the last 1 h, needs 200; signup → activation: 3 signups in the last \d+ (min|h), needs 20$/,
    );
    for (const id of ['camp_status_drop', 'camp_status_tiny']) {
      expect(statuses[id]!.description, id).toBe(statuses[id]!.title);
    }
    // Three different colours, but the words differ too.
    expect(new Set(Object.values(statuses).map((status) => status.color)).size).toBe(3);

    // The tooltip is the native one: hovering shows the title.
    await page.hover('[data-testid="campaign-row"]:has-text("camp_status_drop") [data-testid="status"]');
    expect(
      await page.getAttribute(
        '[data-testid="campaign-row"]:has-text("camp_status_drop") [data-testid="status"]',
        'title',
      ),
    ).toContain('95% upper bound');

    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource); // not a <script>: the dashboard's CSP refuses inline scripts
    const serious = await page.evaluate(async () => {
      type AxeResult = { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      const axe = (window as unknown as { axe: { run(context: Element): Promise<AxeResult> } }).axe;
      const result = await axe.run(document.querySelector('table')!);
      return result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
    });
    expect(serious).toEqual([]);
  });
});
