import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KNOWN_OPERATION_NAMES } from '../../src/gql/operation-names.ts';
import { restRoutes } from '../../src/rest/index.ts';
import { restEvent, withClient } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

/** The value of one sample line of a Prometheus text exposition, e.g. `pmd_ingest_events_total{result="stored"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The `operation` label values of the request latency histogram. */
function operationLabels(text: string): Set<string> {
  const labels = text
    .split('\n')
    .filter((line) => line.startsWith('pmd_request_duration_seconds_count{'))
    .map((line) => /operation="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]);
  return new Set(labels.filter((label) => label !== undefined));
}

/** Runs `count` calls, `concurrency` at a time. */
async function inBatches(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - start) }, (_, k) => call(start + k)));
  }
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
    const first = await fetch(`${baseUrl}/events/batch`, {
      method: 'POST',
      body: JSON.stringify([...events, ...invalid]),
    });
    expect(first.status).toBe(200);
    // 10 of these are duplicates of the first request, 5 are new; sent over GraphQL to count both doors.
    const again = events.slice(0, 10).concat(Array.from({ length: 5 }, (_, i) => restEvent(100 + i, 'metrics')));
    const result = await graphql(
      baseUrl,
      'mutation IngestEvents($events: [EventInput!]!) { ingestEvents(events: $events) { __typename ... on IngestResult { stored duplicates } } }',
      {
        events: again.map((event) => ({
          eventId: event.event_id,
          ts: event.ts,
          userId: event.user_id,
          campaignId: event.campaign_id,
          channel: event.channel,
          eventType: event.event_type.toUpperCase(),
          cost: event.cost,
        })),
      },
    );
    expect(result.data).toEqual({ ingestEvents: { __typename: 'IngestResult', stored: 5, duplicates: 10 } });

    const text = await scrape(baseUrl);
    expect(sample(text, 'pmd_ingest_events_total{result="stored"}')).toBe(35);
    expect(sample(text, 'pmd_ingest_events_total{result="duplicate"}')).toBe(10);
    expect(sample(text, 'pmd_ingest_events_total{result="rejected"}')).toBe(2);
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="IngestEvents",status="2xx"}')).toBe(1);
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="POST /events/batch",status="2xx"}')).toBe(1);
  });

  it('reports open subscriptions, worker runs and rollup lag', async () => {
    const { baseUrl, wsUrl, databaseUrl } = server.current;
    await withClient(databaseUrl, async (client) => {
      await client.query(`INSERT INTO task_runs (task_name, started_at, finished_at, duration_ms, rows_changed, error) VALUES
        ('metrics_hourly', now() - interval '2 minutes', now() - interval '2 minutes', 1500, 10, NULL),
        ('metrics_hourly', now() - interval '1 minute', now() - interval '1 minute', 250, 3, NULL),
        ('anomaly_alerts', now() - interval '1 minute', now() - interval '1 minute', 40, 0, 'boom')`);
      await client.query(
        `INSERT INTO rollup_dirty_hours (campaign_id, channel, hour, marked_at) VALUES ('c', 'x', date_trunc('hour', now()), now() - interval '90 seconds')`,
      );
    });
    const ws = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const firstBeat = new Promise((resolve, reject) => {
        ws.subscribe(
          { query: 'subscription { heartbeat(intervalSeconds: 1) }' },
          { next: resolve, error: reject, complete: () => {} },
        );
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

  it('reports notification deliveries of the last hour by status, and the age of the oldest unsent one', async () => {
    const { baseUrl, databaseUrl } = server.current;
    await withClient(databaseUrl, async (client) => {
      const channel = await client.query<{ id: number }>(
        `INSERT INTO notification_channels (name, kind, target) VALUES ('ops', 'webhook', 'https://example.com/hook')
         RETURNING id`,
      );
      const add = (key: string, status: string, age: string) =>
        client.query(
          `INSERT INTO notification_deliveries (channel_id, event, idempotency_key, status, created_at, updated_at)
           VALUES ($1, 'test', $2, $3, now() - $4::interval, now() - $4::interval)`,
          [channel.rows[0]!.id, key, status, age],
        );
      await add('a', 'sent', '5 minutes');
      await add('b', 'failed', '10 minutes');
      await add('c', 'failed', '2 hours'); // outside the hour
      await add('d', 'pending', '3 minutes');
    });
    const text = await scrape(baseUrl);
    expect(sample(text, 'pmd_notification_deliveries_last_hour{status="sent"}')).toBe(1);
    expect(sample(text, 'pmd_notification_deliveries_last_hour{status="failed"}')).toBe(1);
    expect(sample(text, 'pmd_notification_deliveries_last_hour{status="pending"}')).toBe(1);
    expect(sample(text, 'pmd_notification_oldest_unsent_seconds')).toBeGreaterThanOrEqual(180);
    expect(sample(text, 'pmd_notification_oldest_unsent_seconds')).toBeLessThan(3600);
  });

  it('labels requests from bounded sets only, however many paths and operation names clients invent', async () => {
    // All in process (yoga.fetch): no loopback sockets to go stale while the floods run.
    const { yoga } = server.current.app;
    const call = async (path: string, init?: RequestInit) => {
      const response = await yoga.fetch(new Request(`http://localhost${path}`, init));
      return { status: response.status, body: await response.text() };
    };
    const post = (path: string, body: string) =>
      call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const before = await call('/metrics');
    // 2,000 unique paths, some next to real routes, and 2,000 unique operation names.
    const shapes = ['/nope-', '/campaigns/c/kpis/', '/events/batch/', '/graphql/'];
    await inBatches(2000, 100, async (i) => {
      expect((await call(`${shapes[i % shapes.length]}${i}`)).status).toBe(404);
    });
    await inBatches(2000, 100, async (i) => {
      const body = JSON.stringify({ query: `query Probe${i} { __typename }`, operationName: `Probe${i}` });
      expect((await post('/graphql', body)).status).toBe(200);
    });
    // The known ones keep their own labels; a request with no operation at all is labelled by the endpoint.
    // Any operation of the client's or generator's documents (whichever exists today).
    const knownName = [...KNOWN_OPERATION_NAMES][0]!;
    const known = await post('/graphql', JSON.stringify({ query: `query ${knownName} { __typename }` }));
    expect(known.status).toBe(200);
    expect((await call(`/campaigns/any-${Date.now()}/kpis`)).status).toBe(200);
    expect((await post('/graphql', '{')).status).toBe(400);

    const { status, body: text } = await call('/metrics');
    expect(status).toBe(200);
    const allowed = new Set([...KNOWN_OPERATION_NAMES, ...restRoutes.templates, '/graphql', 'other']);
    const labels = operationLabels(text);
    expect([...labels].filter((label) => !allowed.has(label))).toEqual([]);
    expect(labels).toContain(knownName);
    expect(labels).toContain('GET /campaigns/:campaign_id/kpis');
    expect(labels).toContain('/graphql');
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="other",status="4xx"}')).toBe(2000);
    expect(sample(text, 'pmd_request_duration_seconds_count{operation="other",status="2xx"}')).toBe(2000);
    // A few new series of ~1.3 kB each (other, the ones just used): 8 kB here, where the raw labels added 4.9 MB.
    expect(text.length - before.body.length).toBeLessThan(20_000);
    expect(text.length).toBeLessThan(100_000);
  }, 60_000);

  it("follows promtool's naming rule: only counters end in _total", async () => {
    const types = [...(await scrape(server.current.baseUrl)).matchAll(/^# TYPE (\S+) (\S+)$/gm)];
    expect(types.length).toBeGreaterThan(10);
    expect(
      types.filter(([, name, type]) => name!.endsWith('_total') && type !== 'counter').map(([, name]) => name),
    ).toEqual([]);
  });

  it('echoes a request id, and makes one when the caller sent none', async () => {
    const given = await fetch(`${server.current.baseUrl}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${server.current.baseUrl}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
