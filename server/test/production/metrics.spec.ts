import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { restEvent, withClient } from '../testkit/events.ts';
import { graphql, useTestServer } from '../testkit/server.ts';

/** The value of one sample line of a Prometheus text exposition, e.g. `pmd_ingest_events_total{result="stored"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

describe('GET /metrics', () => {
  const server = useTestServer();

  it('counts ingested events by result exactly as sent', async () => {
    const { baseUrl } = server.current;
    const events = Array.from({ length: 30 }, (_, i) => restEvent(i, 'metrics'));
    const invalid = [{ event_id: 'bad-1', event_type: 'impression' }, { nothing: true }];
    const first = await fetch(`${baseUrl}/events/batch`, { method: 'POST', body: JSON.stringify([...events, ...invalid]) });
    expect(first.status).toBe(200);
    // 10 of these are duplicates of the first request, 5 are new; sent over GraphQL to count both doors.
    const again = events.slice(0, 10).concat(Array.from({ length: 5 }, (_, i) => restEvent(100 + i, 'metrics')));
    const result = await graphql(baseUrl, 'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { __typename ... on IngestResult { stored duplicates } } }', {
      events: again.map((event) => ({ eventId: event.event_id, ts: event.ts, userId: event.user_id, campaignId: event.campaign_id, channel: event.channel, eventType: event.event_type.toUpperCase(), cost: event.cost })),
    });
    expect(result.data).toEqual({ ingestEvents: { __typename: 'IngestResult', stored: 5, duplicates: 10 } });

    const text = await scrape(baseUrl);
    expect(sample(text, 'pmd_ingest_events_total{result="stored"}')).toBe(35);
    expect(sample(text, 'pmd_ingest_events_total{result="duplicate"}')).toBe(10);
    expect(sample(text, 'pmd_ingest_events_total{result="rejected"}')).toBe(2);
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="Ingest",status="2xx"}')).toBe(1);
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="POST /events/batch",status="2xx"}')).toBe(1);
  });

  it('reports open subscriptions, worker runs and rollup lag', async () => {
    const { baseUrl, wsUrl, databaseUrl } = server.current;
    await withClient(databaseUrl, async (client) => {
      await client.query(`INSERT INTO task_runs (task_name, started_at, finished_at, duration_ms, rows_changed, error) VALUES
        ('metrics_hourly', now() - interval '2 minutes', now() - interval '2 minutes', 1500, 10, NULL),
        ('metrics_hourly', now() - interval '1 minute', now() - interval '1 minute', 250, 3, NULL),
        ('anomaly_alerts', now() - interval '1 minute', now() - interval '1 minute', 40, 0, 'boom')`);
      await client.query(`INSERT INTO rollup_dirty_hours (campaign_id, channel, hour, marked_at) VALUES ('c', 'x', date_trunc('hour', now()), now() - interval '90 seconds')`);
    });
    const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const firstBeat = new Promise((resolve, reject) => {
        ws.subscribe({ query: 'subscription { heartbeat(intervalSeconds: 1) }' }, { next: resolve, error: reject, complete: () => {} });
      });
      await firstBeat;
      const text = await scrape(baseUrl);
      expect(sample(text, 'pmd_active_subscriptions')).toBe(1);
      expect(sample(text, 'pmd_worker_task_runs_last_hour{task="metrics_hourly",result="success"}')).toBe(2);
      expect(sample(text, 'pmd_worker_task_runs_last_hour{task="anomaly_alerts",result="failure"}')).toBe(1);
      expect(sample(text, 'pmd_worker_task_last_duration_seconds{task="metrics_hourly"}')).toBe(0.25);
      expect(sample(text, 'pmd_rollup_lag_seconds{grain="hour"}')).toBeGreaterThanOrEqual(90);
      expect(sample(text, 'pmd_listen_reconnects_total')).toBe(0);
    } finally {
      await ws.dispose();
    }
    await expect.poll(async () => sample(await scrape(baseUrl), 'pmd_active_subscriptions')).toBe(0);
  });

  it('echoes a request id, and makes one when the caller sent none', async () => {
    const given = await fetch(`${server.current.baseUrl}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${server.current.baseUrl}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
