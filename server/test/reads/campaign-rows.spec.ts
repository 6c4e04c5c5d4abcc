import { kpiSql, type CounterName } from '@pmd/domain';
import { describe, expect, it } from 'vitest';
import { withClient } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

const HOUR = 3_600_000;

/** Campaign rollup rows and active alerts: each use case is one service, so both doors must give the same rows. */
/** The ratio columns as the rollups store them: the registry's formulas over the row's counters. */
const FIXTURE_COUNTERS: Partial<Record<CounterName, string>> = {
  impressions: '$3::int',
  clicks: '($3::int / 10)',
  signups: '($3::int / 50)',
  activations: '($3::int / 100)',
};
const STORED_RATIOS = (['ctr', 'clickToSignup', 'signupToActivation'] as const)
  .map((name) => kpiSql(name, (counter) => FIXTURE_COUNTERS[counter]!))
  .join(', ');

describe('campaign rows and active alerts over both doors', () => {
  const server = useTestServer();
  const get = async (path: string) => (await fetch(`${server.current.baseUrl}${path}`)).json() as Promise<any>;

  it('Campaign.dailyMetrics(to:) includes the UTC day that contains `to` (and not the day `to` is the midnight of)', async () => {
    await withClient(server.current.databaseUrl, async (client) => {
      await client.query(
        `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions) VALUES ('camp_days', 'google', now(), 1)`,
      );
      await client.query(
        `INSERT INTO campaign_metrics_daily (campaign_id, channel, day, impressions)
         SELECT 'camp_days', 'google', d::date, 10 FROM generate_series(date '2026-11-28', date '2026-12-03', interval '1 day') d`,
      );
    });
    const days = async (args: string) => {
      const result = await graphql(
        server.current.baseUrl,
        `{ campaign(campaignId: "camp_days") { ... on Campaign { dailyMetrics(${args}) { day } } } }`,
      );
      expect(result.errors).toBeUndefined();
      return result.data.campaign.dailyMetrics.map((row: { day: string }) => row.day);
    };
    expect(await days('from: "2026-11-30T12:00:00Z", to: "2026-12-02T01:52:01Z"')).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ]);
    expect(await days('from: "2026-11-30T00:00:00Z", to: "2026-12-02T00:00:00Z"')).toEqual([
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(await days('from: "2026-12-01T10:00:00Z", to: "2026-12-01T11:00:00Z"')).toEqual(['2026-12-01']);
  });

  it('GET /campaigns/{id}/kpis and Campaign.hourlyMetrics give the same hourly rows', async () => {
    const top = Math.floor(Date.now() / HOUR) * HOUR;
    await withClient(server.current.databaseUrl, async (client) => {
      await client.query(
        `INSERT INTO campaign_metrics_minute (campaign_id, channel, minute, impressions) VALUES ('camp_rows', 'google', now(), 1)`,
      );
      // Two channels in the same hours, and one row 30 hours back (outside ?hours=24 and from = now − 24 h).
      for (const [hoursAgo, channel, n] of [
        [1, 'google', 100],
        [1, 'email', 7],
        [5, 'google', 200],
        [30, 'google', 300],
      ] as const) {
        await client.query(
          `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations,
             cost, total_cost, ctr, click_to_signup, signup_to_activation)
           VALUES ('camp_rows', $1, $2, $3::int, $3::int / 10, $3::int / 50, $3::int / 100, 1.234567, 2.5,
                   ${STORED_RATIOS})`,
          [channel, new Date(top - hoursAgo * HOUR), n],
        );
      }
    });
    const rest = await get('/campaigns/camp_rows/kpis?hours=24');
    const result = await graphql(
      server.current.baseUrl,
      `
        query ($from: DateTime!) {
          campaign(campaignId: "camp_rows") {
            ... on Campaign {
              hourlyMetrics(from: $from) {
                campaignId
                channel
                hour
                impressions
                clicks
                signups
                activations
                cost
                totalCost
                ctr
                clickToSignup
                signupToActivation
              }
            }
          }
        }
      `,
      { from: new Date(Date.now() - 24 * HOUR).toISOString() },
    );
    expect(result.errors).toBeUndefined();
    const graphqlRows = result.data.campaign.hourlyMetrics.map((row: any) => ({
      campaign_id: row.campaignId,
      channel: row.channel,
      hour: row.hour,
      impressions: row.impressions,
      clicks: row.clicks,
      signups: row.signups,
      activations: row.activations,
      cost: row.cost,
      ctr: row.ctr,
      click_to_signup: row.clickToSignup,
      signup_to_activation: row.signupToActivation,
      total_cost: row.totalCost,
    }));
    expect(rest.rows).toHaveLength(3);
    expect(rest.rows.map((row: any) => row.channel)).toEqual(['google', 'email', 'google']);
    expect(rest.rows).toEqual(graphqlRows);
  });

  it('GET /alerts/active and alerts(status: [FIRING, ACKNOWLEDGED]) give the same alerts, newest first', async () => {
    await withClient(server.current.databaseUrl, async (client) => {
      // Ids not in time order (a catch-up run can write an older tick after a newer one).
      await client.query(
        `INSERT INTO alerts (alert_id, triggered_at, campaign_id, channel, metric, current_value, baseline_value,
           threshold_value, message, status, resolved_at, acknowledged_at)
         VALUES (101, '2026-11-25T10:00:00Z', 'camp_a', 'google', 'ctr_drop', 1, 2, 1.4, 'm', 'firing', NULL, NULL),
                (102, '2026-11-25T09:00:00Z', 'camp_b', 'meta', 'ctr_drop', 1, 2, 1.4, 'm', 'acknowledged', NULL,
                 '2026-11-25T09:10:00Z'),
                (103, '2026-11-25T11:00:00Z', 'camp_c', 'meta', 'cpc_spike', 2, 1, 1.3, 'm', 'resolved',
                 '2026-11-25T11:30:00Z', NULL),
                (104, '2026-11-25T08:00:00Z', 'camp_d', 'tiktok', 'ctr_drop', 1, 2, 1.4, 'm', 'firing', NULL, NULL)`,
      );
    });
    const rest = await get('/alerts/active?limit=50');
    const result = await graphql(
      server.current.baseUrl,
      `
        {
          alerts(status: [FIRING, ACKNOWLEDGED], first: 50) {
            edges {
              node {
                alertId
              }
            }
          }
        }
      `,
    );
    expect(result.errors).toBeUndefined();
    const restIds = rest.alerts.map((alert: { alert_id: number }) => alert.alert_id);
    expect(restIds).toEqual([101, 102, 104]);
    expect(result.data.alerts.edges.map((edge: any) => edge.node.alertId)).toEqual(restIds);
  });
});
