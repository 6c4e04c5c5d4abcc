import { graphqlEvent, type TestEvent } from '@pmd/testkit';
import pg from 'pg';

// Events come from @pmd/testkit's factory (`funnelEvents`); this file holds what only the browser tests do with them.

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
export async function ingestThroughApi(apiUrl: string, token: string, events: TestEvent[]): Promise<void> {
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
    { events: events.map(graphqlEvent) },
    { authorization: `Bearer ${token}` },
  );
  if (data.ingestEvents.stored !== events.length) throw new Error(`ingest stored ${JSON.stringify(data.ingestEvents)}`);
}

/**
 * Queues the worker's real `anomaly_alerts` task for the window ending now (a running worker picks it up at once) and
 * waits for the alert it writes for `campaignId`. Returns its id.
 */
export async function runAnomalyCheck(databaseUrl: string, campaignId: string, timeoutMs: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SELECT graphile_worker.add_job('anomaly_alerts', json_build_object('at', $1::text))`, [
      new Date().toISOString(),
    ]);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ alert_id: number }>(
        `SELECT alert_id FROM alerts WHERE campaign_id = $1 AND resolved_at IS NULL`,
        [campaignId],
      );
      if (rows[0]) return rows[0].alert_id;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { rows } = await client.query(`SELECT task_name, error FROM task_runs ORDER BY id DESC LIMIT 3`);
    throw new Error(`the worker wrote no alert for ${campaignId}; last runs: ${JSON.stringify(rows)}`);
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
