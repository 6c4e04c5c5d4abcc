import { funnelEvents } from '@pmd/testkit';
import { startWebhookReceiver, type WebhookReceiver } from '@pmd/testkit/receivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnomalyCheck } from './support/seed.ts';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

const SECRET = 'e2e-webhook-secret-0123456789';
const ALERTING = { campaign_id: 'camp_e2e_notify', channel: 'google' };

// The receiver listens on 127.0.0.1, a private address: both the server (channel validation) and the worker (connect
// time check) are told to allow it, as an on-premise install would be.
const system = useE2eSystem({
  server: { allowPrivateWebhookTargets: true },
  notify: { smtpFrom: 'e2e@localhost', timeoutMs: 10_000, allowPrivateTargets: true },
});

describe('notifications page', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
  });
  afterAll(() => receiver?.close());

  const statusOf = (event: string) =>
    system.page.locator('tr[data-delivery-id]', { hasText: event }).first().locator('[data-testid="delivery-status"]');

  it('creates a signed webhook channel, sends a test, and logs a real alert delivered with a valid signature', async () => {
    const { page } = system;
    await page.goto(`${system.dashboardUrl}/notifications`);
    await page.getByRole('link', { name: 'Notifications' }).waitFor();
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name').fill('e2e hook');
    await form.getByLabel('Kind').selectOption('WEBHOOK');
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Signing secret').fill(SECRET);
    await form.getByRole('button', { name: 'Create channel' }).click();
    const row = page.locator('tr[data-channel="e2e hook"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('webhook (signed)');
    // The secret is write-only: nowhere on the page.
    expect(await page.content()).not.toContain(SECRET);

    await row.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => statusOf('test').textContent(), { timeout: LIVE_TIMEOUT_MS }).toContain('sent');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.idempotencyKey).toMatch(/^test:[0-9a-f-]{36}:channel:\d+$/);
    expect(receiver.received[0]!.signatureValid).toBe(true);

    // A CTR collapse the worker's detector fires on: 10 % over the baseline hours, 2 % in the last minutes. The
    // baseline has more than the rule's minBaselineVolume (2,000) impressions: below it the rate is not known yet.
    const now = Date.now();
    await system.send([
      ...funnelEvents(ALERTING, new Date(now - 2 * 3_600_000), { ad_impression: 3000, ad_click: 300 }),
      ...funnelEvents(ALERTING, new Date(now - 5 * 60_000), { ad_impression: 1000, ad_click: 20 }),
    ]);
    const alertId = await runAnomalyCheck(system.databaseUrl, ALERTING.campaign_id, LIVE_TIMEOUT_MS);
    await expect.poll(() => statusOf('fired').textContent(), { timeout: LIVE_TIMEOUT_MS }).toContain('sent');
    const firedRow = page.locator('tr[data-delivery-id]', { hasText: 'fired' }).first();
    expect(await firedRow.textContent()).toContain(String(alertId));
    const fired = receiver.received.find((r) => r.idempotencyKey?.startsWith(`alert:${alertId}:fired:0:`));
    expect(fired?.signatureValid).toBe(true);
    expect(JSON.parse(fired!.body)).toMatchObject({
      event: 'fired',
      alert: { id: alertId, campaignId: ALERTING.campaign_id, channel: ALERTING.channel },
    });
  });

  it('edits, disables, refuses a bad target with its reason, and deletes a channel', async () => {
    const { page } = system;
    const row = page.locator('tr[data-channel="e2e hook"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit channel' });
    await edit.getByLabel('URL').fill('ftp://example.com/hook');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => edit.getByRole('alert').textContent()).toContain('http or https');
    await edit.getByLabel('URL').fill(receiver.url);
    await edit.getByLabel('Name').fill('e2e hook renamed');
    await edit.getByRole('button', { name: 'Save' }).click();
    const renamed = page.locator('tr[data-channel="e2e hook renamed"]');
    await renamed.waitFor();
    expect(await renamed.textContent()).toContain('webhook (signed)');

    await renamed.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => renamed.textContent()).toContain('disabled');
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await renamed.getByRole('button', { name: 'Really delete?' }).click();
    await renamed.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('tr[data-delivery-id]').count()).toBe(0);
  });
});
