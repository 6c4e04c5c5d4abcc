import type { Logger, PrismaClient } from '@pmd/db';
import type pg from 'pg';
import type { ServerConfig } from './config.ts';
import type { Scopes } from './services/access.ts';
import type { RetentionInForce } from './services/retention-in-force.ts';
import type { Metrics } from './observability/metrics.ts';
import type { RateLimiter } from './observability/rate-limit.ts';
import type { LivePubSub } from './live/pubsub.ts';
import type { LiveTickers } from './live/ticker.ts';

/**
 * What every resolver and REST handler receives. The database clients travel in the context (not a module singleton)
 * because one process may run several apps on different databases: every test file does.
 */
export interface AppContext {
  db: PrismaClient;
  pool: pg.Pool;
  /**
   * The clients of reads (READ_DATABASE_URL's standby; without it, `db` and `pool` themselves). GraphQL queries get
   * them as their `db`/`pool` (plugins/read-replica.ts); REST reads name them.
   */
  readDb: PrismaClient;
  readPool: pg.Pool;
  pubsub: LivePubSub;
  /** Shared live computations (liveOverview, liveFunnel, liveBreakdown). */
  tickers: LiveTickers;
  config: ServerConfig;
  log: Logger;
  metrics: Metrics;
  /** Per-client ingest token buckets; null when INGEST_RATE_LIMIT=0. */
  ingestLimiter: RateLimiter | null;
  /**
   * What reads and ingest count on being kept: `config.retention` and what the worker has removed. Read its
   * `settings()` at the time of use; `config.retention` alone would miss a worker keeping fewer days.
   */
  retention: RetentionInForce;
}

/** One GraphQL operation's context, over HTTP (with its `request`) or a websocket (no request). */
export interface RequestContext extends AppContext {
  request?: Request;
  /** What the caller's token allows, computed once per request or websocket (`scopesOf`). */
  scopes: Scopes;
  /** Identifies the caller for per-client limits (`clientKeyOf`). */
  clientKey: string;
  /** A websocket's `authorization` connection parameter (HTTP requests carry theirs in `request`). */
  connectionAuthorization?: unknown;
}
