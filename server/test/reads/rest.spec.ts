import { createDatabaseClients, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTestEvents, type TestEvent } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

/** The original's read endpoints: exact JSON shapes (snapshots), clamps and errors. */
describe('REST read endpoints of the original API', () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const get = async (path: string) => {
    const response = await fetch(`${server.current.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
    let n = 0;
    const event = (
      campaignId: string,
      channel: string,
      eventType: TestEvent['event_type'],
      secondsAgo: number,
      cost = '0',
      revenue = 0,
    ): TestEvent => ({
      event_id: `rest-${n++}`,
      ts: at(secondsAgo).toISOString(),
      user_id: 'user_00001',
      campaign_id: campaignId,
      channel,
      event_type: eventType,
      cost: Number(cost),
      revenue,
    });
    await storeTestEvents(clients.pool, [
      ...Array.from({ length: 10 }, () => event('camp_google_brand', 'google', 'ad_impression', 120)),
      ...Array.from({ length: 2 }, () => event('camp_google_brand', 'google', 'ad_click', 110, '0.9')),
      event('camp_google_brand', 'google', 'signup', 100),
      ...Array.from({ length: 5 }, () => event('camp_meta_prospecting', 'meta', 'ad_impression', 90)),
      ...Array.from({ length: 3 }, () => event('camp_meta_prospecting', 'meta', 'ad_click', 80, '0.8')),
      event('camp_meta_prospecting', 'meta', 'signup', 70),
      // Revenue is in the registry, not in the original's frozen rows: it must not leak into them.
      event('camp_meta_prospecting', 'meta', 'activation', 60, '0', 49.5),
      // 20 minutes ago: inside ?minutes=60, outside the clamped minimum of 5.
      ...Array.from({ length: 4 }, () => event('camp_email_reactivation', 'email', 'ad_click', 20 * 60, '0.02')),
    ]);
    // Ratios as the rollups store them (the registry's formulas, unrounded); REST recomputes them from the sums.
    await clients.pool.query(
      `INSERT INTO campaign_metrics_hourly (campaign_id, channel, hour, impressions, clicks, signups, activations, cost,
                                            total_cost, revenue, ctr, click_to_signup, signup_to_activation)
       VALUES ('camp_google_brand', 'google', date_trunc('hour', now() - interval '2 hours', 'UTC'), 200, 9, 2, 1, 8.1, 8.1, 30, 0.045, 2::float8 / 9, 0.5),
              ('camp_google_brand', 'google', date_trunc('hour', now() - interval '1 hour', 'UTC'), 100, 4, 1, 0, 3.6, 3.75, 0, 0.04, 0.25, 0),
              ('camp_google_brand', 'google', date_trunc('hour', now() - interval '30 hours', 'UTC'), 50, 1, 0, 0, 0.9, 0.9, 0, 0.02, 0, 0),
              ('camp_meta_prospecting', 'meta', date_trunc('hour', now() - interval '1 hour', 'UTC'), 70, 2, 0, 0, 1.6, 1.6, 0, 2::float8 / 70, 0, 0)`,
    );
    await clients.pool.query(
      `INSERT INTO alerts (alert_id, triggered_at, campaign_id, channel, metric, current_value, baseline_value, threshold_value,
                           message, status, resolved_at)
       VALUES (1, '2026-11-25T09:00:00Z', 'camp_meta_prospecting', 'meta', 'ctr_drop', 0.015, 0.028, 0.0196,
               'CTR of camp_meta_prospecting/meta dropped 46% below its 72 h baseline', 'firing', NULL),
              (2, '2026-11-25T09:30:00Z', 'camp_tiktok_creative', 'tiktok', 'click_to_signup_drop', 0.04, 0.08, 0.056,
               'click→signup dropped', 'resolved', '2026-11-25T10:00:00Z'),
              (3, '2026-11-25T10:15:00Z', 'camp_google_brand', 'google', 'cpc_spike', 1.5, 0.9, 1.35,
               'CPC spiked', 'acknowledged', NULL)`,
    );
    await clients.pool.query(`UPDATE alerts SET acknowledged_at = '2026-11-25T10:20:00Z' WHERE alert_id = 3`);
  });

  afterAll(async () => {
    await clients?.close();
  });

  it('GET /funnels/realtime: counts per campaign and channel, most clicks first, minutes clamped to 5..360', async () => {
    const sixty = await get('/funnels/realtime?minutes=60');
    expect(sixty.status).toBe(200);
    expect(Object.keys(sixty.body)).toEqual(['window_minutes', 'rows']);
    expect(Object.keys(sixty.body.rows[0])).toEqual([
      'campaign_id',
      'channel',
      'impressions',
      'clicks',
      'signups',
      'activations',
    ]);
    expect(sixty.body).toMatchInlineSnapshot(`
      {
        "rows": [
          {
            "activations": 0,
            "campaign_id": "camp_email_reactivation",
            "channel": "email",
            "clicks": 4,
            "impressions": 0,
            "signups": 0,
          },
          {
            "activations": 1,
            "campaign_id": "camp_meta_prospecting",
            "channel": "meta",
            "clicks": 3,
            "impressions": 5,
            "signups": 1,
          },
          {
            "activations": 0,
            "campaign_id": "camp_google_brand",
            "channel": "google",
            "clicks": 2,
            "impressions": 10,
            "signups": 1,
          },
        ],
        "window_minutes": 60,
      }
    `);
    expect((await get('/funnels/realtime')).body).toEqual(sixty.body);
    // The same window over GraphQL carries the registry's new numbers the frozen rows leave out.
    const breakdown = await graphql(
      server.current.baseUrl,
      `
        {
          breakdown(window: { lastMinutes: 60 }, by: CAMPAIGN_CHANNEL) {
            ... on Breakdown {
              rows {
                campaignId
                totals {
                  revenue
                  roas
                  revenuePerActivation
                }
              }
            }
          }
        }
      `,
    );
    expect(breakdown.errors).toBeUndefined();
    expect(breakdown.data.breakdown.rows.find((row: any) => row.campaignId === 'camp_meta_prospecting').totals).toEqual(
      {
        revenue: 49.5,
        roas: 49.5 / 2.4,
        revenuePerActivation: 49.5,
      },
    );
    const clampedLow = await get('/funnels/realtime?minutes=1');
    expect(clampedLow.body.window_minutes).toBe(5);
    expect(clampedLow.body.rows.map((r: any) => r.campaign_id)).toEqual(['camp_meta_prospecting', 'camp_google_brand']);
    expect((await get('/funnels/realtime?minutes=100000')).body.window_minutes).toBe(360);
    expect((await get('/funnels/realtime?minutes=ten')).status).toBe(422);
  });

  it('GET /campaigns/{id}/kpis: hourly rows since now − hours, oldest first, original names plus activations (never revenue)', async () => {
    const response = await get('/campaigns/camp_google_brand/kpis?hours=24');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.rows[0])).toEqual([
      'campaign_id',
      'channel',
      'hour',
      'impressions',
      'clicks',
      'signups',
      'activations',
      'cost',
      'ctr',
      'click_to_signup',
      'signup_to_activation',
      'total_cost',
    ]);
    // Hours are relative to the current hour: snapshot them as "N h before the current hour".
    const currentHour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const stable = {
      ...response.body,
      rows: response.body.rows.map((row: any) => ({
        ...row,
        hour: `${(currentHour - Date.parse(row.hour)) / 3_600_000} h before the current hour`,
      })),
    };
    expect(stable).toMatchInlineSnapshot(`
      {
        "campaign_id": "camp_google_brand",
        "hours": 24,
        "rows": [
          {
            "activations": 1,
            "campaign_id": "camp_google_brand",
            "channel": "google",
            "click_to_signup": 0.2222222222222222,
            "clicks": 9,
            "cost": 8.1,
            "ctr": 0.045,
            "hour": "2 h before the current hour",
            "impressions": 200,
            "signup_to_activation": 0.5,
            "signups": 2,
            "total_cost": 8.1,
          },
          {
            "activations": 0,
            "campaign_id": "camp_google_brand",
            "channel": "google",
            "click_to_signup": 0.25,
            "clicks": 4,
            "cost": 3.6,
            "ctr": 0.04,
            "hour": "1 h before the current hour",
            "impressions": 100,
            "signup_to_activation": 0,
            "signups": 1,
            "total_cost": 3.75,
          },
        ],
      }
    `);
    expect((await get('/campaigns/camp_google_brand/kpis')).body).toEqual(response.body);
    expect((await get('/campaigns/camp_google_brand/kpis?hours=48')).body.rows).toHaveLength(3);
    expect((await get('/campaigns/camp_nope/kpis')).body).toEqual({ campaign_id: 'camp_nope', hours: 24, rows: [] });
    for (const hours of ['0', '169', '-3']) {
      expect(await get(`/campaigns/camp_google_brand/kpis?hours=${hours}`)).toEqual({
        status: 400,
        body: { detail: 'hours must be between 1 and 168' },
      });
    }
  });

  it('GET /alerts/active: unresolved alerts newest first with the original field names', async () => {
    const response = await get('/alerts/active?limit=50');
    expect(response.status).toBe(200);
    expect(response.body).toMatchInlineSnapshot(`
      {
        "alerts": [
          {
            "acknowledged_at": "2026-11-25T10:20:00.000Z",
            "alert_id": 3,
            "baseline_value": 0.9,
            "campaign_id": "camp_google_brand",
            "channel": "google",
            "current_value": 1.5,
            "message": "CPC spiked",
            "metric": "cpc_spike",
            "resolved_at": null,
            "status": "acknowledged",
            "threshold_value": 1.35,
            "triggered_at": "2026-11-25T10:15:00.000Z",
          },
          {
            "acknowledged_at": null,
            "alert_id": 1,
            "baseline_value": 0.028,
            "campaign_id": "camp_meta_prospecting",
            "channel": "meta",
            "current_value": 0.015,
            "message": "CTR of camp_meta_prospecting/meta dropped 46% below its 72 h baseline",
            "metric": "ctr_drop",
            "resolved_at": null,
            "status": "firing",
            "threshold_value": 0.0196,
            "triggered_at": "2026-11-25T09:00:00.000Z",
          },
        ],
      }
    `);
    expect((await get('/alerts/active?limit=-5')).body.alerts.map((a: any) => a.alert_id)).toEqual([3]);
  });
});
