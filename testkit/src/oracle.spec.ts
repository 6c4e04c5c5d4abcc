import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { COUNTER_NAMES, COUNTERS, kpisFromSums, ROLLUP_COLUMNS } from '@pmd/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { funnelEvents, randomEvents } from './events.ts';
import { bruteForce, expectedRollup, rollupMismatches, storedRollup, sumsOfRow } from './oracle.ts';
import { seededRandom } from './random.ts';
import { storeTestEvents } from './store.ts';

const AT = new Date('2026-11-25T12:30:00Z');

describe('the brute-force oracle', () => {
  const database = useTestDatabase();
  let clients: DatabaseClients;

  beforeAll(async () => {
    clients = createDatabaseClients(database.url);
    const key = { campaign_id: 'camp_oracle', channel: 'google' };
    await storeTestEvents(
      clients.pool,
      funnelEvents(key, AT, { ad_impression: 200, ad_click: 10, signup: 4, activation: 1 }, { clickCost: 0.25 }),
    );
    await storeTestEvents(
      clients.pool,
      randomEvents(seededRandom(1), 2_000, { from: AT.getTime() - 3 * 3_600_000, to: AT, late: { fraction: 0.1 } }),
    );
  });
  afterAll(async () => {
    await clients?.close();
  });

  it('sums every counter of the registry, cost included, over any window', async () => {
    const [sums] = await bruteForce(
      clients.pool,
      { from: AT.getTime() - 60_000, to: AT.getTime() + 1 },
      {
        campaignIds: ['camp_oracle'],
      },
    );
    expect(Object.keys(sums!).sort()).toEqual([...COUNTER_NAMES].sort());
    // 200 impressions at 0.001 and 10 clicks at 0.25: click cost and spend differ.
    expect(sums).toMatchObject({
      impressions: 200,
      clicks: 10,
      signups: 4,
      activations: 1,
      clickCost: 2.5,
      spend: 2.7,
    });
    expect(kpisFromSums(sums!).ctr).toBe(0.05);
    expect(kpisFromSums(sums!).cpc).toBeCloseTo(0.27, 12);
  });

  it('gives each rollup row every column, and tells a wrong row from a right one in any counter', async () => {
    const expected = await expectedRollup(clients.pool, 'minute');
    for (const column of ROLLUP_COLUMNS) expect(expected[0]).toHaveProperty(column);
    expect(await rollupMismatches(clients.pool, 'minute')).toEqual([]);
    expect(await storedRollup(clients.pool, 'minute')).toEqual(expected);
    for (const name of COUNTER_NAMES) {
      const { column } = COUNTERS[name];
      await clients.pool.query(
        `UPDATE campaign_metrics_minute SET ${column} = ${column} + 1 WHERE campaign_id = 'camp_oracle' AND minute = $1`,
        [AT],
      );
      expect(await rollupMismatches(clients.pool, 'minute'), name).toHaveLength(2);
      await clients.pool.query(
        `UPDATE campaign_metrics_minute SET ${column} = ${column} - 1 WHERE campaign_id = 'camp_oracle' AND minute = $1`,
        [AT],
      );
    }
    expect(sumsOfRow(expected[0]!)).toEqual(
      Object.fromEntries(COUNTER_NAMES.map((name) => [name, Number(expected[0]![COUNTERS[name].column])])),
    );
  });
});
