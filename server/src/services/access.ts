import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../config.ts';

/**
 * Who may do what, decided once per request from its token and used by every door: the HTTP front door (before a
 * body is read), the websocket handshake, GraphQL fields (`authScopes`) and REST routes.
 * - `reader`: queries (backtests included), subscriptions, REST reads, acknowledging, snoozing and silencing alerts.
 *   Needs READ_TOKEN when it is set.
 * - `ingester`: event ingest and spend imports (GraphQL `importSpend`, REST `POST /spend`), on both doors. Needs
 *   INGEST_TOKEN when it is set.
 * - `metrics`: GET /metrics. Needs METRICS_TOKEN when it is set.
 * - `admin`: creating, changing, deleting and testing notification channels, changing alert rules and campaign
 *   settings. Needs ADMIN_TOKEN when it is set.
 *   The admin token also grants `reader` and `ingester` (one Authorization header carries one token: an admin must
 *   see the channels it changes, and the dashboard uploads spend with it); an unset ADMIN_TOKEN opens those changes
 *   only, never reads or ingest.
 * A scope whose token is not configured is granted to everyone (the server logs a warning at start).
 */
export type Scope = 'reader' | 'ingester' | 'metrics' | 'admin';
export type Scopes = Record<Scope, boolean>;

export type AccessConfig = Pick<ServerConfig, 'readToken' | 'ingestToken' | 'metricsToken' | 'adminToken'>;

const TOKEN_OF: Record<Scope, { key: keyof AccessConfig; variable: string }> = {
  reader: { key: 'readToken', variable: 'READ_TOKEN' },
  ingester: { key: 'ingestToken', variable: 'INGEST_TOKEN' },
  metrics: { key: 'metricsToken', variable: 'METRICS_TOKEN' },
  admin: { key: 'adminToken', variable: 'ADMIN_TOKEN' },
};

export const SCOPES = Object.keys(TOKEN_OF) as Scope[];

/** The bearer token of an `Authorization` value; anything that is not a string (websocket params) has none. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== 'string' || authorization.length > 4096) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  return match ? match[1]! : null;
}

/** The scopes an `Authorization` value grants (a header, or a websocket's `authorization` connection parameter). */
export function scopesOf(config: AccessConfig, authorization: unknown): Scopes {
  const token = bearerToken(authorization);
  const presented = (scope: Scope) => {
    const expected = config[TOKEN_OF[scope].key];
    return !!expected && token !== null && sameSecret(token, expected);
  };
  const granted = (scope: Scope) => !config[TOKEN_OF[scope].key] || presented(scope);
  return {
    reader: granted('reader') || presented('admin'),
    ingester: granted('ingester') || presented('admin'),
    metrics: granted('metrics'),
    admin: granted('admin'),
  };
}

/**
 * True when the request may use the GraphQL endpoint at all: it holds a reader or an ingester scope (the admin token
 * grants reader). Checked at the door before the body is read.
 */
export function mayUseGraphQL(scopes: Scopes): boolean {
  return scopes.reader || scopes.ingester;
}

/** The message of a refusal for lack of `scope`: which header, and which server setting asks for it. */
export function missingScopeMessage(scope: Scope, authorization: unknown): string {
  const { variable } = TOKEN_OF[scope];
  return bearerToken(authorization) === null
    ? `This requires an Authorization: Bearer <token> header (${variable} is set on this server)`
    : `The token does not grant ${scope} access (${variable})`;
}

/** A key for per-client limits: a hash of the token when there is one, else the peer address. */
export function clientKeyOf(authorization: unknown, address: string): string {
  const token = bearerToken(authorization);
  return token ? `token:${createHash('sha256').update(token).digest('hex')}` : `address:${address}`;
}

// Hashing first gives equal-length buffers, so the comparison time says nothing about the token.
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
