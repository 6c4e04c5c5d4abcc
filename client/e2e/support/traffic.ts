import { funnelEvents, type CampaignKey, type TestEvent } from '@pmd/testkit';
import pg from 'pg';

/** Campaigns of the layout and Lighthouse data: long ids and several channels, as a marketer's real account has. */
const KEYS: readonly CampaignKey[] = [
  { campaign_id: 'camp_google_brand_search_emea', channel: 'google' },
  { campaign_id: 'camp_google_brand_search_emea', channel: 'meta' },
  { campaign_id: 'camp_meta_prospecting_lookalike', channel: 'meta' },
  { campaign_id: 'camp_meta_prospecting_lookalike', channel: 'instagram' },
  { campaign_id: 'camp_tiktok_creative_q3', channel: 'tiktok' },
  { campaign_id: 'camp_email_reactivation', channel: 'email' },
];
export const LAYOUT_CAMPAIGN_ID = 'camp_meta_prospecting_lookalike';

/** Realistic traffic over the last `hours`: a funnel burst per key every 20 minutes, volumes varying by key and time. */
export function realisticTraffic(now: Date, hours = 6): TestEvent[] {
  const events: TestEvent[] = [];
  const steps = (hours * 60) / 20;
  for (let step = 0; step < steps; step++) {
    const at = new Date(now.getTime() - (steps - step) * 20 * 60_000 + 60_000);
    KEYS.forEach((key, k) => {
      const impressions = 40 + ((step * 7 + k * 13) % 50);
      const clicks = Math.round(impressions * (0.03 + ((k + step) % 4) * 0.01)) + 1;
      const signups = Math.round(clicks * 0.5);
      const activations = Math.round(signups * (0.3 + (k % 3) * 0.15));
      events.push(
        ...funnelEvents(key, at, {
          ad_impression: impressions,
          ad_click: clicks,
          signup: signups,
          activation: activations,
        }),
      );
    });
  }
  return events;
}

/** Runs the worker's rollups now (the running worker picks the jobs up) and waits until the daily one, queued second, is done. */
export async function runRollups(databaseUrl: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const queuedAt = new Date();
    await client.query(`SELECT graphile_worker.add_job('metrics_hourly', '{}'::json, queue_name => 'rollups')`);
    await client.query(
      `SELECT graphile_worker.add_job('metrics_daily', '{}'::json, queue_name => 'rollups', priority => 1)`,
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await client.query(
        `SELECT 1 FROM task_runs WHERE task_name = 'metrics_daily' AND started_at >= $1 AND finished_at IS NOT NULL`,
        [queuedAt],
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { rows } = await client.query(`SELECT task_name, error FROM task_runs ORDER BY id DESC LIMIT 3`);
    throw new Error(`the worker did not finish its rollups; last runs: ${JSON.stringify(rows)}`);
  } finally {
    await client.end();
  }
}
