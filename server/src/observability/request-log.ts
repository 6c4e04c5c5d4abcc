import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@pmd/db';
import type { Plugin } from 'graphql-yoga';
import { KNOWN_OPERATION_NAMES } from '../gql/operation-names.ts';
import type { RestRouteTable } from '../rest/router.ts';
import type { Metrics } from './metrics.ts';
import type { TrafficSummary } from './traffic-summary.ts';

const requests = new WeakMap<Request, { id: string; started: number; address: string }>();

/** The id of a request (its `x-request-id` header when the caller sent a sane one, else a new UUID). */
export function requestIdOf(request: Request): string {
  return requests.get(request)?.id ?? 'unknown';
}

/** The peer address of the connection a request came on. */
export function clientAddressOf(request: Request): string {
  return requests.get(request)?.address ?? 'unknown';
}

/** The label of every request outside the known sets: unknown operations, unknown paths (404s), other methods. */
export const OTHER_OPERATION = 'other';

const knownOperations: ReadonlySet<string> = new Set(KNOWN_OPERATION_NAMES);

/**
 * The `operation` label of a request, from bounded sets only, so no client can add series to /metrics (each label
 * value is a series kept for the life of the process): the operation name of a GraphQL request when it is one of our
 * clients' documents (generated from client/ and generator/ by codegen), the route template of a REST request, the
 * GraphQL endpoint for what it answers without an operation (unparsable or refused bodies), else `other`.
 */
export function operationLabelOf(
  request: { method: string; pathname: string; graphqlOperation?: string },
  graphqlEndpoint: string,
  routes: RestRouteTable,
): string {
  if (request.graphqlOperation !== undefined) {
    return knownOperations.has(request.graphqlOperation) ? request.graphqlOperation : OTHER_OPERATION;
  }
  const route = routes.templateOf(request.method, request.pathname);
  if (route) return route;
  return request.pathname === graphqlEndpoint ? graphqlEndpoint : OTHER_OPERATION;
}

/**
 * Gives every HTTP request an id (echoed in `x-request-id`), logs one line per request with its latency (debug), and
 * feeds the latency histogram by operation (see `operationLabelOf`) and the periodic traffic summary (info).
 */
export function useRequestLog(log: Logger, metrics: Metrics, routes: RestRouteTable, summary: TrafficSummary): Plugin {
  const operations = new WeakMap<Request, string>();
  let graphqlEndpoint = '/graphql';
  return {
    onYogaInit({ yoga }) {
      graphqlEndpoint = yoga.graphqlEndpoint;
    },
    onRequest({ request, serverContext }) {
      const given = request.headers.get('x-request-id');
      const id = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      const address = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress ?? 'unknown';
      requests.set(request, { id, started: performance.now(), address });
    },
    onParams({ params, request }) {
      operations.set(request, operationNameOf(params.query, params.operationName));
    },
    onResponse({ request, response }) {
      const entry = requests.get(request);
      if (!entry) return;
      response.headers.set('x-request-id', entry.id);
      const seconds = (performance.now() - entry.started) / 1000;
      const url = new URL(request.url);
      const operation = operationLabelOf(
        { method: request.method, pathname: url.pathname, graphqlOperation: operations.get(request) },
        graphqlEndpoint,
        routes,
      );
      const statusClass = `${String(response.status)[0]}xx`;
      metrics.requestDuration.observe({ operation, status: statusClass }, seconds);
      if (url.pathname === '/metrics' || url.pathname === '/health') return;
      summary.record(statusClass, seconds);
      // One line per request is for debugging (LOG_LEVEL=debug); at info the summary counts them. A 5xx is a warning.
      log[response.status >= 500 ? 'warn' : 'debug'](
        {
          requestId: entry.id,
          method: request.method,
          path: url.pathname,
          operation,
          status: response.status,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    },
  };
}

/** The operation's name as the client gave it, else as written in the document ('' when it has none). */
function operationNameOf(query: string | undefined, given: string | null | undefined): string {
  if (given) return given;
  return /^\s*(?:query|mutation|subscription)\b\s*(\w+)?/.exec(query ?? '')?.[1] ?? '';
}
