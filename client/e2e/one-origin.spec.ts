import { funnelEvents } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';

/**
 * The dashboard opened as an operator's users open it: from the API's origin under a host name other than the one the
 * tests use (127.0.0.2 is loopback on Linux; the server listens on every interface). Every request and websocket of
 * the page must go to that origin, none to localhost or 127.0.0.1, and the KPI cards must follow new events live.
 */
const system = useE2eSystem({ worker: false });

const impressionsCard = '[data-kpi="impressions"] [data-testid="kpi-value"]';

describe('the dashboard on one origin', () => {
  it('loads from http://127.0.0.2:<port>/, calls only that origin, and updates live', async () => {
    const { page } = system;
    const origin = `http://127.0.0.2:${new URL(system.apiUrl).port}`;
    const foreign: string[] = [];
    await page.context().route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin || url.protocol === 'data:') return route.continue();
      foreign.push(url.href);
      return route.abort('blockedbyclient');
    });
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    // The server's Content-Security-Policy must fit the dashboard: a violation is reported as a console error.
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));

    const at = new Date(Date.now() - 2 * 60_000);
    await system.send(funnelEvents({ campaign_id: 'camp_e2e_origin', channel: 'email' }, at, { ad_impression: 120 }));
    await page.goto(`${origin}/?range=1h`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await expect.poll(() => page.locator(impressionsCard).textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe('120');

    await system.send(
      funnelEvents({ campaign_id: 'camp_e2e_origin', channel: 'email' }, new Date(), { ad_impression: 80 }),
    );
    // No reload: the new total arrives over the page's websocket.
    await expect.poll(() => page.locator(impressionsCard).textContent(), { timeout: LIVE_TIMEOUT_MS }).toBe('200');

    expect(foreign, 'requests off the page origin').toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) expect(socket).toBe(`ws://127.0.0.2:${new URL(origin).port}/graphql`);
  });
});
