import { createDatabaseClients, NOTIFY_CHANNELS, type DatabaseClients } from '@pmd/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, useTestServer } from '../testkit/server.ts';
import { collect, primeSubscription } from '../testkit/subscription.ts';

const ALERT_FIELDS = `id alertId triggeredAt campaignId channel metric currentValue baselineValue thresholdValue message status
  acknowledgedAt resolvedAt updatedAt`;

describe('alerts: connection, acknowledgement, alertChanged, pipeline status', () => {
  const server = useTestServer();
  let clients: DatabaseClients;
  const ids: number[] = [];

  /** Inserts an alert the way the anomaly job does (row + notification in one statement). */
  async function fireAlert(
    campaignId: string,
    metric: string,
    triggeredAt: string,
    status = 'firing',
    channel = 'google',
  ): Promise<number> {
    const { rows } = await clients.pool.query(
      `WITH fired AS (
         INSERT INTO alerts (triggered_at, campaign_id, channel, metric, current_value, baseline_value, threshold_value,
                             message, status, resolved_at)
         VALUES ($1, $2, $6, $3, 0.01, 0.04, 0.028, $2 || ' ' || $3, $4, CASE WHEN $4 = 'resolved' THEN $1::timestamptz END)
         RETURNING alert_id, status
       )
       SELECT alert_id, pg_notify($5, json_build_object('alertId', alert_id, 'status', status)::text) FROM fired`,
      [triggeredAt, campaignId, metric, status, NOTIFY_CHANNELS.alertChanged, channel],
    );
    return rows[0].alert_id;
  }

  beforeAll(async () => {
    clients = createDatabaseClients(server.current.databaseUrl);
    const metrics = ['ctr_drop', 'click_to_signup_drop', 'signup_to_activation_drop', 'cpc_spike'];
    for (let i = 0; i < 7; i++) {
      const status = i === 1 ? 'resolved' : i === 2 ? 'acknowledged' : 'firing';
      ids.push(
        await fireAlert(
          i % 2 ? 'camp_a' : 'camp_b',
          `${metrics[i % 4]}`,
          `2026-11-2${i}T10:00:00Z`,
          status,
          `channel_${i}`,
        ),
      );
    }
  });

  afterAll(async () => {
    await clients?.close();
  });

  it('pages alerts newest first with Relay cursors, totalCount and filters', async () => {
    const page = (after?: string) =>
      graphql(
        server.current.baseUrl,
        `
          query ($after: String) {
            alerts(first: 3, after: $after) {
              totalCount
              pageInfo {
                hasNextPage
                hasPreviousPage
                startCursor
                endCursor
              }
              edges {
                cursor
                node {
                  alertId
                  status
                }
              }
            }
          }
        `,
        { after },
      );
    const first = await page();
    expect(first.errors).toBeUndefined();
    expect(first.data.alerts.totalCount).toBe(7);
    expect(first.data.alerts.edges.map((e: any) => e.node.alertId)).toEqual([...ids].reverse().slice(0, 3));
    expect(first.data.alerts.pageInfo.hasNextPage).toBe(true);
    const second = await page(first.data.alerts.pageInfo.endCursor);
    expect(second.data.alerts.edges.map((e: any) => e.node.alertId)).toEqual([...ids].reverse().slice(3, 6));
    const third = await page(second.data.alerts.pageInfo.endCursor);
    expect(third.data.alerts.edges.map((e: any) => e.node.alertId)).toEqual([ids[0]]);
    expect(third.data.alerts.pageInfo.hasNextPage).toBe(false);

    const filtered = await graphql(
      server.current.baseUrl,
      `
        {
          alerts(status: [RESOLVED, ACKNOWLEDGED]) {
            totalCount
            edges {
              node {
                alertId
                status
              }
            }
          }
          byCampaign: alerts(campaignId: "camp_a", status: [FIRING]) {
            totalCount
            edges {
              node {
                campaignId
                status
              }
            }
          }
        }
      `,
    );
    expect(filtered.data.alerts.edges).toEqual([
      { node: { alertId: ids[2], status: 'ACKNOWLEDGED' } },
      { node: { alertId: ids[1], status: 'RESOLVED' } },
    ]);
    expect(filtered.data.alerts.totalCount).toBe(2);
    expect(filtered.data.byCampaign.totalCount).toBe(2);
    expect(
      filtered.data.byCampaign.edges.every((e: any) => e.node.campaignId === 'camp_a' && e.node.status === 'FIRING'),
    ).toBe(true);
  });

  it('reads one alert by id with every field, null for an unknown id', async () => {
    const result = await graphql(
      server.current.baseUrl,
      `query ($id: ID!) { alert(id: $id) { ${ALERT_FIELDS} } none: alert(id: "999999") { id } junk: alert(id: "x") { id } }`,
      { id: String(ids[1]) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.alert).toMatchObject({
      id: String(ids[1]),
      alertId: ids[1],
      triggeredAt: '2026-11-21T10:00:00.000Z',
      campaignId: 'camp_a',
      channel: 'channel_1',
      metric: 'CLICK_TO_SIGNUP_DROP', // the AlertMetric enum; REST keeps the stored string (rest.spec.ts)
      currentValue: 0.01,
      baselineValue: 0.04,
      thresholdValue: 0.028,
      status: 'RESOLVED',
      acknowledgedAt: null,
      resolvedAt: '2026-11-21T10:00:00.000Z',
    });
    expect(result.data.none).toBeNull();
    expect(result.data.junk).toBeNull();
  });

  it('says how long an alert fired: to its resolution, or to now while it is open', async () => {
    const before = Date.now();
    const result = await graphql(
      server.current.baseUrl,
      `
        query ($open: ID!, $closed: ID!) {
          open: alert(id: $open) {
            triggeredAt
            firingSeconds
          }
          closed: alert(id: $closed) {
            firingSeconds
          }
        }
      `,
      { open: String(ids[0]), closed: String(ids[1]) },
    );
    expect(result.errors).toBeUndefined();
    const expected = (now: number) => Math.floor((now - Date.parse(result.data.open.triggeredAt)) / 1000);
    expect(result.data.open.firingSeconds).toBeGreaterThanOrEqual(expected(before));
    expect(result.data.open.firingSeconds).toBeLessThanOrEqual(expected(Date.now()));
    expect(result.data.closed.firingSeconds).toBe(0); // fired and resolved at the same instant
  });

  it('says which window and baseline an alert compared and its worst value, null for alerts older than them', async () => {
    await clients.pool.query(
      `UPDATE alerts SET window_start = '2026-11-22T09:45:00Z', window_end = '2026-11-22T10:00:00Z',
         baseline_start = '2026-11-21T09:45:00Z', worst_value = 0.004 WHERE alert_id = $1`,
      [ids[2]],
    );
    const result = await graphql(
      server.current.baseUrl,
      `
        query ($recorded: ID!, $old: ID!) {
          recorded: alert(id: $recorded) {
            windowStart
            windowEnd
            baselineStart
            currentValue
            worstValue
          }
          old: alert(id: $old) {
            windowStart
            windowEnd
            baselineStart
            worstValue
          }
        }
      `,
      { recorded: String(ids[2]), old: String(ids[3]) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      recorded: {
        windowStart: '2026-11-22T09:45:00.000Z',
        windowEnd: '2026-11-22T10:00:00.000Z',
        baselineStart: '2026-11-21T09:45:00.000Z',
        currentValue: 0.01,
        worstValue: 0.004, // the peak of the drop, apart from the refreshed current value
      },
      old: { windowStart: null, windowEnd: null, baselineStart: null, worstValue: null },
    });
  });

  it('acknowledges a firing alert once, leaves resolved alerts resolved, and says NotFoundError for unknown ids', async () => {
    const ack = (id: string) =>
      graphql(
        server.current.baseUrl,
        `
          mutation ($id: ID!) {
            acknowledgeAlert(id: $id) {
              __typename
              ... on Alert {
                alertId
                status
                acknowledgedAt
                resolvedAt
              }
              ... on NotFoundError {
                message
                resource
                id
              }
            }
          }
        `,
        { id },
      );
    const firstAck = await ack(String(ids[6]));
    expect(firstAck.errors).toBeUndefined();
    expect(firstAck.data.acknowledgeAlert).toMatchObject({
      __typename: 'Alert',
      alertId: ids[6],
      status: 'ACKNOWLEDGED',
      resolvedAt: null,
    });
    const acknowledgedAt = firstAck.data.acknowledgeAlert.acknowledgedAt;
    expect(Math.abs(Date.parse(acknowledgedAt) - Date.now())).toBeLessThan(60_000);
    const again = await ack(String(ids[6]));
    expect(again.data.acknowledgeAlert.acknowledgedAt).toBe(acknowledgedAt);

    const resolved = await ack(String(ids[1]));
    expect(resolved.data.acknowledgeAlert).toMatchObject({ status: 'RESOLVED', acknowledgedAt: null });

    expect((await ack('424242')).data.acknowledgeAlert).toEqual({
      __typename: 'NotFoundError',
      message: 'No alert has id "424242".',
      resource: 'Alert',
      id: '424242',
    });
    expect((await ack('not-a-number')).data.acknowledgeAlert.__typename).toBe('NotFoundError');
  });

  it('pushes alertChanged after an acknowledgement, and after any writer updates a row and notifies (pending and cancelled too)', async () => {
    const subscription = collect<any>(
      server.current.wsUrl,
      `subscription { alertChanged { kind alert { ${ALERT_FIELDS} } } }`,
    );
    try {
      const probe = () =>
        clients.pool.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNELS.alertChanged,
          JSON.stringify({ alertId: ids[0], status: 'firing' }),
        ]);
      await primeSubscription(subscription, probe, (data: any) => data.alertChanged.alert.alertId === ids[0]);
      const about = (id: number) => (data: any) => data.alertChanged.alert.alertId === id;
      await graphql(server.current.baseUrl, `mutation { acknowledgeAlert(id: "${ids[5]}") { __typename } }`);
      const acknowledged = await subscription.until(about(ids[5]!));
      expect(acknowledged).toMatchObject({
        alertChanged: { kind: 'ACKNOWLEDGED', alert: { alertId: ids[5], status: 'ACKNOWLEDGED' } },
      });

      await clients.pool.query(
        `WITH resolved AS (
           UPDATE alerts SET status = 'resolved', resolved_at = now(), updated_at = now() WHERE alert_id = $1
           RETURNING alert_id, status
         ) SELECT pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text) FROM resolved`,
        [ids[5], NOTIFY_CHANNELS.alertChanged],
      );
      const resolved = await subscription.until(about(ids[5]!));
      expect(resolved).toMatchObject({
        alertChanged: { kind: 'RESOLVED', alert: { alertId: ids[5], status: 'RESOLVED' } },
      });
      expect(resolved.alertChanged.alert.resolvedAt).not.toBeNull();

      const fired = await fireAlert('camp_c', 'ctr_drop', new Date().toISOString());
      expect(await subscription.until(about(fired))).toMatchObject({
        alertChanged: { kind: 'FIRED', alert: { alertId: fired, status: 'FIRING' } },
      });

      // A rule with a pending period: pending first, then cancelled when its condition clears in time.
      const pending = await fireAlert('camp_d', 'ctr_drop', new Date().toISOString(), 'pending');
      expect(await subscription.until(about(pending))).toMatchObject({
        alertChanged: { kind: 'PENDING', alert: { alertId: pending, status: 'PENDING' } },
      });
      await clients.pool.query(
        `WITH cancelled AS (
           UPDATE alerts SET status = 'cancelled', resolved_at = now(), updated_at = now() WHERE alert_id = $1
           RETURNING alert_id, status
         ) SELECT pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text) FROM cancelled`,
        [pending, NOTIFY_CHANNELS.alertChanged],
      );
      expect(await subscription.until(about(pending))).toMatchObject({
        alertChanged: { kind: 'CANCELLED', alert: { alertId: pending, status: 'CANCELLED' } },
      });
    } finally {
      await subscription.dispose();
    }
  });

  it('answers GET /alerts/active with unresolved alerts only, newest first, limit clamped to 1..200', async () => {
    const body = async (query: string) =>
      (await (await fetch(`${server.current.baseUrl}/alerts/active${query}`)).json()) as any;
    const { rows } = await clients.pool.query(
      'SELECT alert_id FROM alerts WHERE resolved_at IS NULL ORDER BY triggered_at DESC, alert_id DESC',
    );
    const all = await body('');
    expect(all.alerts.map((a: any) => a.alert_id)).toEqual(rows.map((r) => r.alert_id));
    expect(Object.keys(all.alerts[0])).toEqual([
      'alert_id',
      'triggered_at',
      'campaign_id',
      'channel',
      'metric',
      'current_value',
      'baseline_value',
      'threshold_value',
      'message',
      'resolved_at',
      'status',
      'acknowledged_at',
    ]);
    expect((await body('?limit=0')).alerts).toHaveLength(1);
    expect((await body('?limit=2')).alerts).toHaveLength(2);
    expect((await body('?limit=100000')).alerts).toHaveLength(rows.length);
    expect((await fetch(`${server.current.baseUrl}/alerts/active?limit=abc`)).status).toBe(422);
  });

  it('reports each worker task from task_runs and the rollup backlog', async () => {
    await clients.pool.query(
      `INSERT INTO task_runs (task_name, started_at, finished_at, duration_ms, rows_changed, error) VALUES
         ('metrics_hourly', now() - interval '10 minutes', now() - interval '10 minutes' + interval '120 ms', 120, 4, NULL),
         ('metrics_hourly', now() - interval '5 minutes', now() - interval '5 minutes' + interval '80 ms', 80, 0, 'boom'),
         ('metrics_daily', now() - interval '2 hours', now() - interval '2 hours', 30, 1, NULL);
       INSERT INTO rollup_dirty_hours (campaign_id, channel, hour) VALUES ('c', 'x', '2026-11-25T10:00Z'), ('c', 'x', '2026-11-25T10:00Z'), ('c', 'y', '2026-11-25T10:00Z');
       INSERT INTO rollup_dirty_days (campaign_id, channel, day) VALUES ('c', 'x', '2026-11-25');`,
    );
    const result = await graphql(
      server.current.baseUrl,
      `
        {
          pipelineStatus {
            pendingDirtyHours
            pendingDirtyDays
            latestEventAt
            tasks {
              name
              lastRunAt
              lastSuccessAt
              lastDurationMs
              lastError
              lagSeconds
              runsLastHour
              failuresLastHour
            }
          }
        }
      `,
    );
    expect(result.errors).toBeUndefined();
    const status = result.data.pipelineStatus;
    expect(status.pendingDirtyHours).toBe(2);
    expect(status.pendingDirtyDays).toBe(1);
    expect(status.latestEventAt).toBeNull();
    expect(status.tasks.map((t: any) => t.name)).toEqual(['metrics_hourly', 'metrics_daily', 'anomaly_alerts']);
    const [hourly, daily, anomaly] = status.tasks;
    expect(hourly).toMatchObject({ lastDurationMs: 80, lastError: 'boom', runsLastHour: 2, failuresLastHour: 1 });
    expect(hourly.lagSeconds).toBeGreaterThanOrEqual(599);
    expect(hourly.lagSeconds).toBeLessThan(700);
    expect(daily).toMatchObject({ lastDurationMs: 30, lastError: null, runsLastHour: 0, failuresLastHour: 0 });
    expect(anomaly).toEqual({
      name: 'anomaly_alerts',
      lastRunAt: null,
      lastSuccessAt: null,
      lastDurationMs: null,
      lastError: null,
      lagSeconds: null,
      runsLastHour: 0,
      failuresLastHour: 0,
    });
  });
});
