import { DEFAULT_HEALTH_THRESHOLDS } from '@pmd/db';

/** Server settings, read once from the environment. */
export interface ServerConfig {
  port: number;
  /** When set, ingest (GraphQL and REST) requires `Authorization: Bearer <token>`. */
  ingestToken: string | undefined;
  /** When set, reads (queries, subscriptions, REST GETs) and acknowledging alerts require `Bearer <token>`. */
  readToken: string | undefined;
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
  /** "At Risk" thresholds of breakdown rows (HEALTH_MIN_CTR, HEALTH_MIN_SIGNUP_TO_ACTIVATION). */
  healthThresholds: typeof DEFAULT_HEALTH_THRESHOLDS;
  /** Distinct live computations (liveOverview, liveFunnel, liveBreakdown views) per process (LIVE_MAX_VIEWS). */
  liveMaxViews: number;
  /** Live view subscriptions of one websocket (or one SSE request) (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  liveMaxSubscriptionsPerConnection: number;
  /** Connections of the live views' own pool, also how many live computations run at once (LIVE_POOL_SIZE). */
  livePoolSize: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const ingestRateLimit = Number(env.INGEST_RATE_LIMIT ?? 50_000);
  return {
    port: Number(env.PORT ?? 8000),
    ingestToken: env.INGEST_TOKEN || undefined,
    readToken: env.READ_TOKEN || undefined,
    metricsToken: env.METRICS_TOKEN || undefined,
    wsMaxConnections: Number(env.WS_MAX_CONNECTIONS ?? 10_000),
    wsMaxConnectionsPerAddress: Number(env.WS_MAX_CONNECTIONS_PER_ADDRESS ?? 1_000),
    corsOrigin: env.CORS_ORIGIN ?? '*',
    ingestRateLimit,
    ingestRateBurst: env.INGEST_RATE_BURST ? Number(env.INGEST_RATE_BURST) : 2 * ingestRateLimit,
    healthThresholds: {
      minCtr: Number(env.HEALTH_MIN_CTR ?? DEFAULT_HEALTH_THRESHOLDS.minCtr),
      minSignupToActivation: Number(
        env.HEALTH_MIN_SIGNUP_TO_ACTIVATION ?? DEFAULT_HEALTH_THRESHOLDS.minSignupToActivation,
      ),
    },
    liveMaxViews: positiveInteger(env, 'LIVE_MAX_VIEWS', 500),
    liveMaxSubscriptionsPerConnection: positiveInteger(env, 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50),
    livePoolSize: positiveInteger(env, 'LIVE_POOL_SIZE', 4),
  };
}
