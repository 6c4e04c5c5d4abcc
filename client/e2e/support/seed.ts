import { randomUUID } from 'node:crypto';
import pg from 'pg';

export type EventType = 'AD_IMPRESSION' | 'AD_CLICK' | 'SIGNUP' | 'ACTIVATION';

export interface SeedEvent {
  eventId: string;
  ts: string;
  userId: string;
  campaignId: string;
  channel: string;
  eventType: EventType;
  cost: number;
}

/** `counts` events of each type for one campaign/channel at `at`; clicks cost `clickCost`, impressions a tenth of a cent. */
export function funnelEvents(
  campaignId: string,
  channel: string,
  at: Date,
  counts: Record<EventType, number>,
  clickCost = 0.5,
): SeedEvent[] {
  const costs: Record<EventType, number> = { AD_IMPRESSION: 0.001, AD_CLICK: clickCost, SIGNUP: 0, ACTIVATION: 0 };
  return (Object.entries(counts) as [EventType, number][]).flatMap(([eventType, count]) =>
    Array.from({ length: count }, (_, index) => ({
      eventId: randomUUID(),
      ts: new Date(at.getTime() - index * 100).toISOString(),
      userId: `user_${index}`,
      campaignId,
      channel,
      eventType,
      cost: costs[eventType],
    })),
  );
}

/** POSTs a GraphQL operation; throws on GraphQL errors. */
export async function graphqlRequest<T>(
  apiUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}

/** Sends events through the API's `ingestEvents` mutation. */
export async function ingestThroughApi(apiUrl: string, token: string, events: SeedEvent[]): Promise<void> {
  const data = await graphqlRequest<{ ingestEvents: { __typename: string; stored?: number; message?: string } }>(
    apiUrl,
    /* GraphQL */ `
      mutation E2eIngest($events: [EventInput!]!) {
        ingestEvents(events: $events) {
          __typename
          ... on IngestResult {
            stored
          }
          ... on BatchTooLargeError {
            message
          }
        }
      }
    `,
    { events },
    { authorization: `Bearer ${token}` },
  );
  if (data.ingestEvents.stored !== events.length) throw new Error(`ingest stored ${JSON.stringify(data.ingestEvents)}`);
}

/**
 * Writes events as ingest does (raw rows, minute rollup, dirty-hour queue and NOTIFY in one transaction), for a
 * server built before the ingest mutation existed.
 */
export async function ingestThroughSql(databaseUrl: string, events: SeedEvent[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO raw_events (event_id, ts, user_id, campaign_id, channel, event_type, cost)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[])`,
      [
        events.map((e) => e.eventId),
        events.map((e) => e.ts),
        events.map((e) => e.userId),
        events.map((e) => e.campaignId),
        events.map((e) => e.channel),
        events.map((e) => e.eventType.toLowerCase()),
        events.map((e) => e.cost),
      ],
    );
    const ids = events.map((e) => e.eventId);
    await client.query(
      `INSERT INTO campaign_metrics_minute AS m
         (campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost)
       SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC'),
              count(*) FILTER (WHERE event_type = 'ad_impression'), count(*) FILTER (WHERE event_type = 'ad_click'),
              count(*) FILTER (WHERE event_type = 'signup'), count(*) FILTER (WHERE event_type = 'activation'),
              coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0), sum(cost)
         FROM raw_events WHERE event_id = ANY($1) GROUP BY 1, 2, 3
       ON CONFLICT (campaign_id, channel, minute) DO UPDATE SET
         impressions = m.impressions + excluded.impressions, clicks = m.clicks + excluded.clicks,
         signups = m.signups + excluded.signups, activations = m.activations + excluded.activations,
         cost = m.cost + excluded.cost, total_cost = m.total_cost + excluded.total_cost`,
      [ids],
    );
    await client.query(
      `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour)
       SELECT DISTINCT campaign_id, channel, date_trunc('hour', ts, 'UTC') FROM raw_events WHERE event_id = ANY($1)`,
      [ids],
    );
    const times = events.map((e) => e.ts).sort();
    await client.query(`SELECT pg_notify('pmd_events_ingested', $1)`, [
      JSON.stringify({
        stored: events.length,
        campaignIds: [...new Set(events.map((e) => e.campaignId))],
        truncated: false,
        minTs: times[0],
        maxTs: times.at(-1),
      }),
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** Fires an alert as the worker does: the row plus `pmd_alert_changed`, in one transaction. Returns its id. */
export async function fireAlert(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ alert_id: number }>(
      `INSERT INTO alerts (campaign_id, channel, metric, current_value, baseline_value, threshold_value, message)
       VALUES ('camp_e2e_search', 'google', 'ctr_drop', 0.01, 0.05, 0.025, 'CTR fell to 1.00% against a 5.00% baseline')
       RETURNING alert_id`,
    );
    const alertId = rows[0]!.alert_id;
    await client.query(`SELECT pg_notify('pmd_alert_changed', $1)`, [JSON.stringify({ alertId, status: 'firing' })]);
    await client.query('COMMIT');
    return alertId;
  } finally {
    await client.end();
  }
}

/** Resolves an alert as the worker does when the metric recovers. */
export async function resolveAlert(databaseUrl: string, alertId: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `UPDATE alerts SET status = 'resolved', resolved_at = now(), updated_at = now() WHERE alert_id = $1`,
      [alertId],
    );
    await client.query(`SELECT pg_notify('pmd_alert_changed', $1)`, [JSON.stringify({ alertId, status: 'resolved' })]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

export async function alertStatus(databaseUrl: string, alertId: number): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ status: string }>('SELECT status FROM alerts WHERE alert_id = $1', [alertId]);
    return rows[0]?.status;
  } finally {
    await client.end();
  }
}
