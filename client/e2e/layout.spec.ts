import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { LIVE_TIMEOUT_MS, useE2eSystem } from './support/system.ts';
import { LAYOUT_CAMPAIGN_ID, realisticTraffic, runRollups } from './support/traffic.ts';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/issue-13/', import.meta.url));
const system = useE2eSystem();

describe('before', () => {
  it('screens', async () => {
    await mkdir(SHOTS, { recursive: true });
    await system.send(realisticTraffic(new Date()));
    await runRollups(system.databaseUrl, LIVE_TIMEOUT_MS);
    const page = system.page;
    for (const width of [390, 1440]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const [name, route] of [
        ['overview', '/?range=6h'],
        ['campaign', `/campaigns/${LAYOUT_CAMPAIGN_ID}`],
        ['campaigns', '/campaigns'],
        ['alerts', '/alerts'],
        ['pipeline', '/pipeline'],
      ] as const) {
        await page.goto(`${system.dashboardUrl}${route}`);
        await page.waitForTimeout(4000);
        const m = await page.evaluate(() => {
          const vw = window.innerWidth;
          const wide = [...document.querySelectorAll('main *')]
            .map((e) => ({ e, r: e.getBoundingClientRect() }))
            .filter(({ r }) => r.width > 0 && (r.right > vw + 1 || r.left < -1))
            .slice(0, 6)
            .map(({ e, r }) => `${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
          return { scrollWidth: document.documentElement.scrollWidth, vw, wide };
        });
        console.log(width, name, JSON.stringify(m));
        if (name === 'overview' || name === 'campaign')
          await page.screenshot({ path: path.join(SHOTS, `before-${name}-${width}.png`), fullPage: width === 1440 });
      }
    }
  });
});
