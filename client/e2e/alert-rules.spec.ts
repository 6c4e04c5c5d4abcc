import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type CampaignKey, funnelEvents, type TestEvent } from '@pmd/testkit';
import { startWebhookReceiver, type WebhookReceiver } from '@pmd/testkit/receivers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditAccessibility } from './support/axe.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * The alert rules page against the real server, worker and database: a rule made in the form, its backtest over
 * minutes seeded in the past, edits, the enable switch, a validation issue shown at its field, a silence, and the
 * rule routed to a webhook firing a real alert whose notification names the rule.
 */
const SECRET = 'e2e-rules-webhook-secret-0123456789';
const RULE = 'Meta CTR drop';
const BACKTESTED: CampaignKey = { campaign_id: 'camp_e2e_backtest', channel: 'meta' };
const FIRING: CampaignKey = { campaign_id: 'camp_e2e_rule_fire', channel: 'meta' };
const MINUTE = 60_000;
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

// The webhook receiver listens on 127.0.0.1: the server and the worker are told to allow private targets.
const system = useE2eSystem({
  server: { allowPrivateWebhookTargets: true },
  notify: { smtpFrom: 'e2e@localhost', timeoutMs: 10_000, allowPrivateTargets: true },
});

/**
 * A CTR that was 10 % for ten minutes (3,000 impressions: more than the rule's least baseline volume, 2,000) and 2 %
 * for five minutes from `dropAt` (1,000 impressions: more than its least volume, 200). One event burst per minute.
 */
function ctrDrop(key: CampaignKey, baselineAt: number, dropAt: number): TestEvent[] {
  return [
    ...Array.from({ length: 10 }, (_, i) =>
      funnelEvents(key, new Date(baselineAt + i * MINUTE), { ad_impression: 300, ad_click: 30 }),
    ),
    ...Array.from({ length: 5 }, (_, i) =>
      funnelEvents(key, new Date(dropAt + i * MINUTE), { ad_impression: 200, ad_click: 4 }),
    ),
  ].flat();
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('alert rules page', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
  });
  afterAll(() => receiver?.close());

  const row = (name: string) => system.page.locator(`tr[data-rule="${name}"]`);
  /** The alert the rule fires in the routing test, which the deletion test resolves. */
  let alertId: number | undefined;

  it('creates a channel-scoped rule through the form and lists it in words', async () => {
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/rules`);
    await page.getByRole('link', { name: 'Alert rules' }).waitFor();
    // The four seeded rules (the former defaults) and the three seeded money target rules are listed.
    await row('CTR drop').waitFor();
    expect(await page.locator('tr[data-rule]').count()).toBe(7);
    expect(await row('ROAS below target').textContent()).toContain(
      "over 1440 min 20% below the campaign's target ROAS",
    );

    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name', { exact: true }).fill(RULE);
    await form.getByLabel('Metric').selectOption('ctr_drop');
    await form.getByLabel('Scope').selectOption('channel');
    await form.getByLabel('Channel', { exact: true }).fill('meta');
    await form.getByLabel(/^Pending for/).fill('0');
    await form.getByRole('button', { name: 'Create rule' }).click();

    await row(RULE).waitFor();
    const text = await row(RULE).textContent();
    expect(text).toContain('CTR drop');
    expect(text).toContain('Channel meta');
    expect(text).toContain('CUSUM, 30% drop, evidence 10, lookback 60 min vs trailing 24 h');
    expect(text).toContain('fires at once');
    expect(text).toContain('all channels');
    expect(await row(RULE).getByTestId('severity').textContent()).toBe('warning');
    // Stored as the form showed it: percent in the form, fractions in the database.
    const [stored] = await query(
      `SELECT scope, scope_value, method, min_relative_change, recovery_change FROM alert_rules WHERE name = $1`,
      [RULE],
    );
    expect(stored).toEqual({
      scope: 'channel',
      scope_value: 'meta',
      method: 'cusum',
      min_relative_change: 0.3,
      recovery_change: 0.15,
    });
  });

  it('backtests the rule from its row over minutes seeded in the past', async () => {
    const { page } = system;
    const now = Date.now();
    await system.send(ctrDrop(BACKTESTED, now - 3 * 3_600_000, now - 2 * 3_600_000));

    await row(RULE).getByRole('button', { name: 'Backtest' }).click();
    const backtest = page.getByTestId('backtest');
    expect(await backtest.getByRole('heading').textContent()).toBe(`Backtest of ${RULE}`);
    const summary = page.getByTestId('backtest-summary');
    await expect
      .poll(() => summary.textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toContain('Would have fired 1 time in the last 1 day (1 campaign·channel)');
    const episodes = page.getByTestId('backtest-episode');
    expect(await episodes.count()).toBe(1);
    const episode = await episodes.first().textContent();
    expect(episode).toContain(BACKTESTED.campaign_id);
    expect(episode).toContain('still open');
    // It fired within the drop's minutes (the episode's time cell carries the instant; a burst's events reach 20 s
    // before its instant, so the first tick after them may come just before it).
    const firedAt = Date.parse((await episodes.first().locator('time').first().getAttribute('datetime')) ?? '');
    expect(firedAt).toBeGreaterThan(now - 2 * 3_600_000 - MINUTE);
    expect(firedAt).toBeLessThanOrEqual(now - 2 * 3_600_000 + 6 * MINUTE);

    // More days replay more ticks and find the same episode.
    await backtest.getByLabel('Days').selectOption('7');
    await expect
      .poll(() => summary.textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toContain('Would have fired 1 time in the last 7 days');
    expect(await backtest.getByRole('listitem').count()).toBeGreaterThanOrEqual(7);

    await mkdir(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: `${RESULTS_DIR}alert-rules-backtest.png`, fullPage: true });
    // The page with a backtest open: labelled controls, readable contrast, named regions and links.
    const audit = await auditAccessibility(page);
    expect(audit.passed).toEqual(expect.arrayContaining(['color-contrast', 'label', 'link-name']));
    expect(audit.serious).toEqual([]);
  });

  it('edits the severity, and disables and enables the rule', async () => {
    const { page } = system;
    await row(RULE).getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit rule' });
    // The form shows the stored fractions as percent.
    expect(await edit.getByLabel('Drop that fires (%)').inputValue()).toBe('30');
    await edit.getByLabel('Severity').selectOption('critical');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row(RULE).getByTestId('severity').textContent()).toBe('critical');
    await page.getByRole('form', { name: 'New rule' }).waitFor();

    const enabled = row(RULE).getByRole('switch', { name: `${RULE} enabled` });
    await enabled.click();
    await expect.poll(() => enabled.isChecked()).toBe(false);
    // The switch is a native checkbox: it flips on the click itself, before the mutation has reached the database.
    await expect
      .poll(() => query(`SELECT enabled FROM alert_rules WHERE name = $1`, [RULE]), { timeout: LIVE_TIMEOUT_MS })
      .toEqual([{ enabled: false }]);
    await enabled.click();
    await expect.poll(() => enabled.isChecked()).toBe(true);
    await expect
      .poll(() => query(`SELECT enabled FROM alert_rules WHERE name = $1`, [RULE]), { timeout: LIVE_TIMEOUT_MS })
      .toEqual([{ enabled: true }]);
  });

  it('shows validation issues next to their fields, from the form and from the server', async () => {
    const { page } = system;
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name', { exact: true }).fill('Too lenient');
    await form.getByLabel('Resolves below (%)').fill('40');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const recovery = form.getByLabel('Resolves below (%)');
    await expect.poll(() => recovery.getAttribute('aria-invalid')).toBe('true');
    const issueId = await recovery.getAttribute('aria-describedby');
    expect(await form.locator(`#${issueId}`).textContent()).toContain('recoveryChange must be below minRelativeChange');
    // Fixing the field clears its issue.
    await recovery.fill('10');
    await expect.poll(() => form.locator(`#${issueId}`).count()).toBe(0);

    // The name is taken: only the server knows, and its issue shows at the same place.
    await form.getByLabel('Name', { exact: true }).fill('CTR drop');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await expect
      .poll(() => form.locator('#rule-issue-name').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toContain('exists already');
    expect(await page.locator('tr[data-rule]').count()).toBe(8);
  });

  it('creates a silence with its matchers in words and expires it', async () => {
    const { page } = system;
    const form = page.getByRole('form', { name: 'New silence' });
    await form.getByLabel('Campaign').fill(BACKTESTED.campaign_id);
    await form.getByLabel('Channel').fill('meta');
    await form.getByLabel('Rule').selectOption({ label: RULE });
    await form.getByLabel('Duration').selectOption({ label: '4 h' });
    await form.getByLabel('By').fill('Ana');
    await form.getByLabel('Comment').fill('creative swap');
    await form.getByRole('button', { name: 'Silence' }).click();

    const silence = page.getByTestId('silence');
    await silence.waitFor();
    const text = await silence.textContent();
    expect(text).toContain(`rule “${RULE}” · campaign ${BACKTESTED.campaign_id} · channel meta`);
    expect(text).toContain('by Ana');
    expect(text).toContain('creative swap');
    const [stored] = await query<{ hours: number }>(
      `SELECT extract(epoch FROM ends_at - starts_at) / 3600 AS hours FROM alert_silences`,
    );
    expect(Number(stored!.hours)).toBeCloseTo(4, 1);

    await silence.getByRole('button', { name: /^Expire silence/ }).click();
    await silence.waitFor({ state: 'detached' });
    const [ended] = await query<{ ended: boolean }>(`SELECT ends_at <= now() AS ended FROM alert_silences`);
    expect(ended!.ended).toBe(true);
  });

  it('routes the rule to a webhook channel and fires a real alert whose notification names the rule', async () => {
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/notifications`);
    const channelForm = page.getByRole('form', { name: 'New channel' });
    await channelForm.getByLabel('Name').fill('rules hook');
    await channelForm.getByLabel('URL').fill(receiver.url);
    await channelForm.getByLabel('Signing secret').fill(SECRET);
    await channelForm.getByRole('button', { name: 'Create channel' }).click();
    await page.locator('tr[data-channel="rules hook"]').waitFor();

    await page.getByRole('link', { name: 'Alert rules' }).click();
    await row(RULE).getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit rule' });
    await edit.getByRole('checkbox', { name: 'rules hook' }).check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await row(RULE).getByTestId('routing').textContent())?.trim()).toBe('rules hook');

    const now = Date.now();
    await system.send(ctrDrop(FIRING, now - 2 * 3_600_000, now - 6 * MINUTE));
    await query(`SELECT graphile_worker.add_job('anomaly_alerts', json_build_object('at', $1::text))`, [
      new Date().toISOString(),
    ]);
    await expect
      .poll(
        async () => {
          const rows = await query<{ alert_id: number }>(
            `SELECT a.alert_id FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
             WHERE r.name = $1 AND a.campaign_id = $2 AND a.status = 'firing'`,
            [RULE, FIRING.campaign_id],
          );
          alertId = rows[0]?.alert_id;
          return alertId;
        },
        { timeout: LIVE_TIMEOUT_MS },
      )
      .toBeDefined();

    // The receiver verified the signature; the payload names the rule and carries its severity.
    await expect
      .poll(
        () => receiver.received.find((r) => r.idempotencyKey?.startsWith(`alert:${alertId}:fired:0:`))?.signatureValid,
        { timeout: LIVE_TIMEOUT_MS },
      )
      .toBe(true);
    const fired = receiver.received.find((r) => r.idempotencyKey?.startsWith(`alert:${alertId}:fired:0:`))!;
    expect(JSON.parse(fired.body)).toMatchObject({
      event: 'fired',
      alert: { id: alertId, campaignId: FIRING.campaign_id, ruleName: RULE, severity: 'critical' },
    });

    // The delivery log shows it; the rules page counts the open alert; the alert shows its rule and severity.
    await page.getByRole('link', { name: 'Notifications' }).click();
    const delivery = page
      .locator('tr[data-delivery-id]')
      .filter({ has: page.locator('td:nth-child(4)', { hasText: new RegExp(`^${alertId}$`) }) })
      .first();
    await expect
      .poll(() => delivery.getByTestId('delivery-status').textContent(), { timeout: LIVE_TIMEOUT_MS })
      .toContain('sent');
    await page.getByRole('link', { name: 'Alert rules' }).click();
    await expect.poll(() => row(RULE).getByTestId('open-alerts').textContent()).toBe('1');
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    // The seeded "CTR drop" rule (all campaigns) fired there too, as a separate alert.
    const item = page.getByTestId('alert-item').filter({ hasText: `Rule: ${RULE}` });
    await item.waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await item.textContent()).toContain(FIRING.campaign_id);
    expect(await item.getByTestId('severity').textContent()).toBe('critical');

    // Silencing the campaign from the alert makes a silence the rules page lists.
    await item.getByTestId('silence-campaign').selectOption('1');
    await item.getByTestId('campaign-silenced').waitFor();
    await page.getByRole('link', { name: 'Alert rules' }).click();
    await expect.poll(() => page.getByTestId('silence').textContent()).toContain(`campaign ${FIRING.campaign_id}`);
  });

  it('deletes the rule after a confirming click; its open alert resolves and the webhook hears it', async () => {
    const { page } = system;
    // The campaign's silence would mute the resolution: it ends first.
    await page
      .getByTestId('silence')
      .getByRole('button', { name: /^Expire silence/ })
      .click();
    await page.getByTestId('silence').waitFor({ state: 'detached' });
    await row(RULE).getByRole('button', { name: 'Delete' }).click();
    await row(RULE).getByRole('button', { name: 'Really delete?' }).click();
    await row(RULE).waitFor({ state: 'detached' });
    expect(await query(`SELECT status, rule_id FROM alerts WHERE alert_id = $1`, [alertId])).toEqual([
      { status: 'resolved', rule_id: null },
    ]);
    await expect
      .poll(() => receiver.received.some((r) => r.idempotencyKey?.startsWith(`alert:${alertId}:resolved:`)), {
        timeout: LIVE_TIMEOUT_MS,
      })
      .toBe(true);
    expect(await page.locator('tr[data-rule]').count()).toBe(7);
  });
});
