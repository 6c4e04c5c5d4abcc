import type pg from 'pg';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReadFreshness } from '../replica/freshness.ts';
import type { RetentionInForce } from '../services/retention-in-force.ts';

/**
 * Metrics that exist only with a standby (READ_DATABASE_URL): the operations kit (deploy/) reads them, and a server
 * without a standby does not expose them.
 */
export const STANDBY_ONLY_METRICS = {
  readReplicaLag: 'pmd_read_replica_lag_seconds',
  liveReplicaWaits: 'pmd_live_replica_waits_total',
  liveReplicaFallbacks: 'pmd_live_replica_fallbacks_total',
} as const;

/**
 * The server's Prometheus metrics, in a registry of its own (several apps share one process in tests). Worker and
 * rollup figures are read from the database at scrape time, so any replica reports the whole pipeline. `readFreshness`:
 * the read database's, when READ_DATABASE_URL is set.
 */
export function createMetrics(pool: pg.Pool, retention: RetentionInForce, readFreshness?: ReadFreshness) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pmd_process_' });
  // prom-client names three gauges `*_total`, a suffix reserved for counters (`promtool check metrics` rejects them).
  // Their per-type twins without the suffix (`pmd_process_nodejs_active_handles{type}` …) remain: sum those instead.
  for (const kind of ['handles', 'requests', 'resources']) {
    registry.removeSingleMetric(`pmd_process_nodejs_active_${kind}_total`);
  }
  const registers = [registry];

  const ingestEvents = new Counter({
    name: 'pmd_ingest_events_total',
    help: 'Events received by ingest, by result (stored, duplicate, rejected).',
    labelNames: ['result'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'pmd_request_duration_seconds',
    help: 'HTTP request latency by operation (GraphQL operation name or REST route) and status class.',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const activeSubscriptions = new Gauge({
    name: 'pmd_active_subscriptions',
    help: 'GraphQL subscriptions currently open on this process.',
    registers,
  });
  const listenReconnects = new Counter({
    name: 'pmd_listen_reconnects_total',
    help: 'Times the LISTEN connection to PostgreSQL was re-established after a drop.',
    registers,
  });
  const liveResults = new Counter({
    name: 'pmd_live_results_total',
    help:
      'Live subscription results (liveOverview, liveFunnel, liveBreakdown) by how they were made: executed for their ' +
      'subscription, or shared from an equal subscription that executed the same selection on the same value.',
    labelNames: ['result'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'pmd_ingest_rate_limited_total',
    help: 'Ingest requests refused with 429 by the rate limiter.',
    registers,
  });

  const taskRuns = new Gauge({
    name: 'pmd_worker_task_runs_last_hour',
    help: 'Worker task runs in the last hour, by task and result (success, failure).',
    labelNames: ['task', 'result'] as const,
    registers,
    async collect() {
      const { rows } = await pool.query<{ task_name: string; ok: number; failed: number }>(`
        SELECT task_name, count(*) FILTER (WHERE error IS NULL) AS ok, count(*) FILTER (WHERE error IS NOT NULL) AS failed
        FROM task_runs WHERE started_at > now() - interval '1 hour' GROUP BY task_name`);
      this.reset();
      for (const row of rows) {
        this.set({ task: row.task_name, result: 'success' }, row.ok);
        this.set({ task: row.task_name, result: 'failure' }, row.failed);
      }
    },
  });
  const taskDuration = new Gauge({
    name: 'pmd_worker_task_last_duration_seconds',
    help: 'Duration of the latest finished run of each worker task.',
    labelNames: ['task'] as const,
    registers,
    async collect() {
      const { rows } = await pool.query<{ task_name: string; duration_ms: number }>(`
        SELECT DISTINCT ON (task_name) task_name, duration_ms FROM task_runs
        WHERE finished_at IS NOT NULL ORDER BY task_name, started_at DESC`);
      this.reset();
      for (const row of rows) this.set({ task: row.task_name }, (row.duration_ms ?? 0) / 1000);
    },
  });
  const rollupLag = new Gauge({
    name: 'pmd_rollup_lag_seconds',
    help: 'Age of the oldest change not yet rolled up, by grain (0 when the rollups are current).',
    labelNames: ['grain'] as const,
    registers,
    async collect() {
      const { rows } = await pool.query<{ hour_lag: number | null; day_lag: number | null }>(`
        SELECT (SELECT extract(epoch FROM now() - min(marked_at)) FROM rollup_dirty_hours)::float8 AS hour_lag,
               (SELECT extract(epoch FROM now() - min(marked_at)) FROM rollup_dirty_days)::float8 AS day_lag`);
      this.set({ grain: 'hour' }, rows[0]?.hour_lag ?? 0);
      this.set({ grain: 'day' }, rows[0]?.day_lag ?? 0);
    },
  });

  // Deliveries are one per alert state change per channel (hundreds a day, not events): counting the last hour's
  // is a short scan; the oldest unsent one comes from the partial index of unfinished deliveries.
  const notificationDeliveries = new Gauge({
    name: 'pmd_notification_deliveries_last_hour',
    help: 'Notification deliveries whose status last changed in the last hour, by status (pending, sending, sent, failed).',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const { rows } = await pool.query<{ status: string; n: number }>(`
        SELECT status, count(*)::int AS n FROM notification_deliveries
        WHERE updated_at > now() - interval '1 hour' GROUP BY status`);
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
  const oldestUnsentNotification = new Gauge({
    name: 'pmd_notification_oldest_unsent_seconds',
    help: 'Age of the oldest notification delivery still pending or sending (0 when every one is finished).',
    registers,
    async collect() {
      const { rows } = await pool.query<{ age: number | null }>(`
        SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM notification_deliveries
        WHERE status IN ('pending', 'sending')`);
      this.set(rows[0]?.age ?? 0);
    },
  });

  // Per process: each server compares the worker's record with its own settings (a replica's .env may differ).
  new Gauge({
    name: 'pmd_retention_removed_past_settings',
    help:
      "1 when the worker has removed rows this server's retention settings keep (its RAW_EVENTS_RETENTION_DAYS or " +
      'MINUTE_ROWS_RETENTION_DAYS keeps fewer days), by level (raw_events, minute_rows); the server then goes by the worker.',
    labelNames: ['level'] as const,
    registers,
    collect() {
      const past = retention.removedPastSettings();
      this.set({ level: 'raw_events' }, Number(past.rawEvents));
      this.set({ level: 'minute_rows' }, Number(past.minuteRows));
    },
  });

  // Registered only with a standby: without one, live views never wait and never fall back.
  const liveReplica = readFreshness && {
    waits: new Counter({
      name: STANDBY_ONLY_METRICS.liveReplicaWaits,
      help: 'Times live views found the standby behind a change a notification announced and waited for its replay.',
      registers,
    }),
    fallbacks: new Counter({
      name: STANDBY_ONLY_METRICS.liveReplicaFallbacks,
      help: 'Times live views read the primary because the standby had not replayed a change within LIVE_REPLICA_WAIT_MS (or could not say).',
      registers,
    }),
  };
  if (readFreshness) {
    new Gauge({
      name: STANDBY_ONLY_METRICS.readReplicaLag,
      help: 'Seconds the read database (READ_DATABASE_URL) is behind the primary: 0 when it has replayed all it received.',
      registers,
      async collect() {
        this.set((await readFreshness.current()).replicationLagSeconds);
      },
    });
  }

  return {
    registry,
    ingestEvents,
    requestDuration,
    activeSubscriptions,
    listenReconnects,
    liveResults,
    rateLimited,
    taskRuns,
    taskDuration,
    rollupLag,
    notificationDeliveries,
    oldestUnsentNotification,
    liveReplica,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Keeps `pmd_active_subscriptions` current for subscriptions over websockets and SSE alike. */
export function useSubscriptionGauge(metrics: Metrics): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult() {
          metrics.activeSubscriptions.inc();
          return { onEnd: () => metrics.activeSubscriptions.dec() };
        },
      };
    },
  };
}
