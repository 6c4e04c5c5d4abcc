import path from 'node:path';
import { DEFAULT_HEALTH_THRESHOLDS, REPO_ROOT } from '@pmd/db';
import type { RetentionSettings } from '@pmd/domain';
import {
  COMMON_ENV,
  commonConfigFrom,
  REPORTING_ENV,
  RETENTION_ENV,
  retentionFrom,
  envTypes,
  parseEnv,
  type CommonConfig,
  type EnvSource,
} from '@pmd/db/env';

/**
 * The server's environment: every variable it reads, with its type, range and default (the root README's table lists
 * each one; scripts/env-table.spec.ts checks both ways).
 */
export const SERVER_ENV = {
  ...COMMON_ENV,
  PORT: envTypes.port().default(8000),
  READ_DATABASE_URL: envTypes.url(['postgres:', 'postgresql:']).optional(),
  DASHBOARD_DIR: envTypes.text().default(path.join(REPO_ROOT, 'client', 'dist')),
  DASHBOARD_PORT: envTypes.port().optional(),
  INGEST_TOKEN: envTypes.text().optional(),
  READ_TOKEN: envTypes.text().optional(),
  ADMIN_TOKEN: envTypes.text().optional(),
  ALLOW_PRIVATE_WEBHOOK_TARGETS: envTypes.oneOf(['true', 'false']).default('false'),
  METRICS_TOKEN: envTypes.text().optional(),
  WS_MAX_CONNECTIONS: envTypes.positiveInteger().default(10_000),
  WS_MAX_CONNECTIONS_PER_ADDRESS: envTypes.positiveInteger().default(1_000),
  CORS_ORIGIN: envTypes.text().default('*'),
  INGEST_RATE_LIMIT: envTypes.nonNegativeInteger().default(50_000),
  INGEST_RATE_BURST: envTypes.positiveInteger().optional(),
  ...REPORTING_ENV,
  ...RETENTION_ENV,
  HEALTH_MIN_CTR: envTypes.ratio().default(DEFAULT_HEALTH_THRESHOLDS.minCtr),
  HEALTH_MIN_SIGNUP_TO_ACTIVATION: envTypes.ratio().default(DEFAULT_HEALTH_THRESHOLDS.minSignupToActivation),
  LIVE_MAX_VIEWS: envTypes.positiveInteger().default(500),
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: envTypes.positiveInteger().default(50),
  LIVE_MAX_SUBSCRIPTIONS: envTypes.positiveInteger().default(10_000),
  LIVE_POOL_SIZE: envTypes.positiveInteger().default(4),
  LIVE_MEMORY_HOURS: envTypes.positiveInteger().default(3),
  LIVE_REPLICA_WAIT_MS: envTypes.number({ integer: true, min: 0, max: 60_000 }).default(2_000),
  LOG_SUMMARY_INTERVAL_SECONDS: envTypes.positiveInteger().default(60),
};
export const SERVER_ENV_VARIABLES = Object.keys(SERVER_ENV);

/** Server settings, read once from the environment. */
export interface ServerConfig extends CommonConfig {
  port: number;
  /**
   * A streaming standby of DATABASE_URL's database that serves queries, REST reads and live views (READ_DATABASE_URL);
   * unset: the primary serves them.
   */
  readDatabaseUrl: string | undefined;
  /** The dashboard's production build served on this origin (DASHBOARD_DIR; relative paths from the repository). */
  dashboardDir: string;
  /** A second port the same app listens on, HTTP and websockets (DASHBOARD_PORT: the original's :8501); unset: none. */
  dashboardPort: number | undefined;
  /** When set, ingest (GraphQL and REST) requires `Authorization: Bearer <token>`. */
  ingestToken: string | undefined;
  /** When set, reads (queries, subscriptions, REST GETs) and acknowledging alerts require `Bearer <token>`. */
  readToken: string | undefined;
  /** Required by the mutations that change notification channels (unset: open, like the other tokens). */
  adminToken: string | undefined;
  /** Webhook targets on loopback/private/link-local addresses are refused unless this is true (SSRF). */
  allowPrivateWebhookTargets: boolean;
  /** When set, GET /metrics requires `Bearer <token>`. */
  metricsToken: string | undefined;
  /** Websocket connections this process holds at most, in all and per client address (WS_MAX_CONNECTIONS…). */
  wsMaxConnections: number;
  wsMaxConnectionsPerAddress: number;
  /** Origin allowed by CORS (the dashboard). */
  corsOrigin: string;
  /** Ingest rate limit per client (token, else IP) in events per second; 0 turns it off. */
  ingestRateLimit: number;
  /** Events a client may send at once above its rate (the token bucket's size). */
  ingestRateBurst: number;
  /** The IANA zone of day and hour buckets, "today" and "yesterday" when a request names none (REPORTING_TIME_ZONE). */
  reportingTimeZone: string;
  /** How long raw events and minute rows are kept (RAW_EVENTS_RETENTION_DAYS, MINUTE_ROWS_RETENTION_DAYS). */
  retention: RetentionSettings;
  /** "At Risk" thresholds of breakdown rows (HEALTH_MIN_CTR, HEALTH_MIN_SIGNUP_TO_ACTIVATION). */
  healthThresholds: typeof DEFAULT_HEALTH_THRESHOLDS;
  /** Distinct live computations (liveOverview, liveFunnel, liveBreakdown views) per process (LIVE_MAX_VIEWS). */
  liveMaxViews: number;
  /** Live view subscriptions of one websocket (or one SSE request) (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  liveMaxSubscriptionsPerConnection: number;
  /**
   * Live view subscriptions of the whole process (LIVE_MAX_SUBSCRIPTIONS): memory grows with them, and the default is
   * what `pnpm bench:live --views 2000` measured under production's 256 MB heap cap.
   */
  liveMaxSubscriptions: number;
  /** Connections of the live views' own pool, also how many live computations run at once (LIVE_POOL_SIZE). */
  livePoolSize: number;
  /** Whole hours before the current one whose minute rows live views keep in memory (LIVE_MEMORY_HOURS). */
  liveMemoryHours: number;
  /**
   * With a standby: how long a live computation waits for it to replay the change a notification announced before
   * reading the primary instead (LIVE_REPLICA_WAIT_MS; 0: read the primary whenever the standby is behind).
   */
  liveReplicaWaitMs: number;
  /** Seconds of traffic one info summary line covers; single requests are debug (LOG_SUMMARY_INTERVAL_SECONDS). */
  logSummaryIntervalSeconds: number;
}

/** Parses the server's variables from `env`; throws ConfigError naming every bad one. */
export function readServerConfig(env: EnvSource): ServerConfig {
  const values = parseEnv(SERVER_ENV, env, { ownedPrefixes: ['LIVE_', 'HEALTH_', 'INGEST_RATE_', 'WS_MAX_'] });
  return {
    ...commonConfigFrom(values),
    port: values.PORT,
    readDatabaseUrl: values.READ_DATABASE_URL,
    dashboardDir: path.resolve(REPO_ROOT, values.DASHBOARD_DIR),
    dashboardPort: values.DASHBOARD_PORT,
    ingestToken: values.INGEST_TOKEN,
    readToken: values.READ_TOKEN,
    adminToken: values.ADMIN_TOKEN,
    allowPrivateWebhookTargets: values.ALLOW_PRIVATE_WEBHOOK_TARGETS === 'true',
    metricsToken: values.METRICS_TOKEN,
    wsMaxConnections: values.WS_MAX_CONNECTIONS,
    wsMaxConnectionsPerAddress: values.WS_MAX_CONNECTIONS_PER_ADDRESS,
    corsOrigin: values.CORS_ORIGIN,
    ingestRateLimit: values.INGEST_RATE_LIMIT,
    ingestRateBurst: values.INGEST_RATE_BURST ?? Math.max(1, 2 * values.INGEST_RATE_LIMIT),
    reportingTimeZone: values.REPORTING_TIME_ZONE,
    retention: retentionFrom(values),
    healthThresholds: {
      minCtr: values.HEALTH_MIN_CTR,
      minSignupToActivation: values.HEALTH_MIN_SIGNUP_TO_ACTIVATION,
    },
    liveMaxViews: values.LIVE_MAX_VIEWS,
    liveMaxSubscriptionsPerConnection: values.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    liveMaxSubscriptions: values.LIVE_MAX_SUBSCRIPTIONS,
    livePoolSize: values.LIVE_POOL_SIZE,
    liveMemoryHours: values.LIVE_MEMORY_HOURS,
    liveReplicaWaitMs: values.LIVE_REPLICA_WAIT_MS,
    logSummaryIntervalSeconds: values.LOG_SUMMARY_INTERVAL_SECONDS,
  };
}

let config: ServerConfig | undefined;

/** This process's server config, parsed once (index.ts parses it before anything else is loaded). */
export function serverConfig(): ServerConfig {
  // eslint-disable-next-line no-restricted-properties -- the server's config module
  config ??= readServerConfig(process.env);
  return config;
}
