/**
 * The ONE place that decides whether a failure means "the database cannot be reached right now" (stopped, restarting,
 * connection cut), as opposed to a bug or a bad query. Such failures are answered with 503 + Retry-After by REST and
 * with `extensions.code = 'DATABASE_UNAVAILABLE'` (HTTP 503) by GraphQL, so clients retry instead of giving up, and
 * no stack trace leaks. The pg pool replaces dead connections by itself, so the next request after the database is
 * back simply works.
 */

export const DATABASE_UNAVAILABLE_CODE = 'DATABASE_UNAVAILABLE';
export const DATABASE_UNAVAILABLE_MESSAGE = 'database unavailable, retry later';
/** A restarted PostgreSQL accepts connections within seconds; clients should not hammer it meanwhile. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Socket errors (Node), PostgreSQL SQLSTATEs of class 08 (connection exception) and 57P0x (operator intervention:
 * admin_shutdown, crash_shutdown, cannot_connect_now — "the database system is starting up / shutting down"),
 * too_many_connections, and Prisma's codes for the same conditions.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1017', // Prisma: server has closed the connection
  'P2024', // Prisma: timed out fetching a connection from the pool
]);

/** Prisma's driver-adapter error kinds for an unreachable database. */
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/** pg raises these as plain Errors without a code when a connection dies under a query. */
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /not queryable/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((candidate) => {
    if (typeof candidate !== 'object' || candidate === null) return false;
    const { code, kind, message } = candidate as { code?: unknown; kind?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** The error and everything it wraps: `cause`, GraphQL's `originalError`, Prisma's adapter error, AggregateError's list. */
function causes(error: unknown, depth = 0): unknown[] {
  if (typeof error !== 'object' || error === null || depth > 6) return [];
  const node = error as {
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: unknown };
    originalCode?: unknown;
  };
  const nested = [
    node.cause,
    node.originalError,
    node.meta?.driverAdapterError,
    ...(Array.isArray(node.errors) ? node.errors : []),
  ];
  const adapterCode = typeof node.originalCode === 'string' ? [{ code: node.originalCode }] : [];
  return [error, ...adapterCode, ...nested.flatMap((inner) => causes(inner, depth + 1))];
}
