import { indexClosedDays } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { minuteRowsHorizon, rawEventsHorizon, type RetentionSettings } from '@pmd/domain';
import { randomEvents, seededRandom, storeTestEvents, type CampaignKey } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listCampaigns } from '../../src/services/campaigns.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Campaigns placed so that first and last events fall on closed days, open days, and both. */
const PLACED: readonly { key: CampaignKey; fromDays: number; toDays: number }[] = [
  { key: { campaign_id: 'camp_closed_only', channel: 'google' }, fromDays: 6, toDays: 4 },
  { key: { campaign_id: 'camp_open_only', channel: 'meta' }, fromDays: 0.9, toDays: 0 },
  { key: { campaign_id: 'camp_both', channel: 'tiktok' }, fromDays: 6, toDays: 0 },
  { key: { campaign_id: 'camp_both', channel: 'email' }, fromDays: 3, toDays: 1.5 },
  { key: { campaign_id: 'camp_yesterday', channel: 'google' }, fromDays: 1.8, toDays: 1.2 },
];

describe("listCampaigns' first and last event, on closed and open days", () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  const now = Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
  });
  afterAll(() => pool.end());

  beforeEach(async () => {
    await pool.query('TRUNCATE raw_events, event_ids, campaign_metrics_minute, rollup_dirty_hours, campaigns CASCADE');
    // The days' partitions, and the campaign index on the closed ones, as the worker leaves them.
    for (let days = 7; days >= -1; days--) {
      const day = new Date(today - days * DAY_MS).toISOString().slice(0, 10);
      await pool.query('SELECT raw_events_create_partition($1::date)', [day]);
    }
    const client = await pool.connect();
    try {
      await indexClosedDays(client, new Date(now));
    } finally {
      client.release();
    }
    const random = seededRandom(20261204);
    for (const [i, { key, fromDays, toDays }] of PLACED.entries()) {
      const events = randomEvents(random, 60, {
        from: now - fromDays * DAY_MS,
        to: now - toDays * DAY_MS,
        keys: [key],
        prefix: `placed${i}`,
      });
      await storeTestEvents(pool, events);
    }
  });

  /**
   * Each campaign's first and last event over the raw events that are kept (none: null, for a campaign whose events
   * retention dropped): what listCampaigns must answer.
   */
  async function bruteForce() {
    const { rows } = await pool.query<{ campaign_id: string; first: Date | null; last: Date | null }>(
      `SELECT c.campaign_id, min(e.ts) AS first, max(e.ts) AS last
       FROM campaigns c LEFT JOIN raw_events e ON e.campaign_id = c.campaign_id GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((row) => ({ campaignId: row.campaign_id, firstEventAt: row.first, lastEventAt: row.last }));
  }

  async function listed(retention: RetentionSettings) {
    return (await listCampaigns(pool, retention)).map(({ campaignId, firstEventAt, lastEventAt }) => ({
      campaignId,
      firstEventAt,
      lastEventAt,
    }));
  }

  /** What the worker's retention leaves: raw events of the days before the raw horizon, minute rows before the other. */
  async function applyRetention(retention: RetentionSettings) {
    const raw = rawEventsHorizon(new Date(now), retention);
    const minutes = minuteRowsHorizon(new Date(now), retention);
    if (raw) await pool.query('DELETE FROM raw_events WHERE ts < $1', [raw]);
    if (minutes) await pool.query('DELETE FROM campaign_metrics_minute WHERE minute < $1', [minutes]);
  }

  it.each<[string, RetentionSettings]>([
    ['everything kept', {}],
    ['minute rows kept 3 days', { minuteRowsDays: 3 }],
    ['raw events kept 5 days, minute rows 2', { rawEventsDays: 5, minuteRowsDays: 2 }],
    ['raw events kept 2 days, minute rows forever', { rawEventsDays: 2 }],
  ])('equal brute force with %s', async (_name, retention) => {
    await applyRetention(retention);
    const expected = await bruteForce();
    expect(expected.filter((row) => row.firstEventAt).length).toBeGreaterThanOrEqual(3);
    expect(await listed(retention)).toEqual(expected);
  });

  it('are not moved by minute rows of imported spend alone (no events in them)', async () => {
    const [before] = (await bruteForce()).filter((row) => row.campaignId === 'camp_both');
    // Spend-only rows, as an imports-sourced campaign's imported hours make them, before its first event and after its
    // last one.
    const outside = [before!.firstEventAt!.getTime() - 10 * MINUTE_MS, before!.lastEventAt!.getTime() + 2 * MINUTE_MS];
    for (const instant of outside) {
      await pool.query(
        `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, total_cost)
         VALUES ('camp_both', 'tiktok', date_trunc('minute', $1::timestamptz, 'UTC'), 12.5)`,
        [new Date(instant)],
      );
    }
    const [after] = (await listed({})).filter((row) => row.campaignId === 'camp_both');
    expect(after).toEqual(before);
  });
});
