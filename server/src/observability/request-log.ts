import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@pmd/db';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.ts';

const requests = new WeakMap<Request, { id: string; started: number; address: string }>();

/** The id of a request (its `x-request-id` header when the caller sent a sane one, else a new UUID). */
export function requestIdOf(request: Request): string {
  return requests.get(request)?.id ?? 'unknown';
}

/** The peer address of the connection a request came on. */
export function clientAddressOf(request: Request): string {
  return requests.get(request)?.address ?? 'unknown';
}

/**
 * Gives every HTTP request an id (echoed in `x-request-id`), logs one line per request with its latency, and feeds
 * the latency histogram by operation: the GraphQL operation name, or the REST path.
 */
export function useRequestLog(log: Logger, metrics: Metrics): Plugin {
  const operations = new WeakMap<Request, string>();
  return {
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
      const operation = operations.get(request) ?? `${request.method} ${url.pathname.replace(/\/campaigns\/[^/]+/, '/campaigns/:id')}`;
      metrics.requestDuration.observe({ operation, status: `${String(response.status)[0]}xx` }, seconds);
      if (url.pathname === '/metrics' || url.pathname === '/health') return;
      log.info({ requestId: entry.id, method: request.method, path: url.pathname, operation, status: response.status, ms: Math.round(seconds * 1000) }, 'request');
    },
  };
}

/** The operation's name as the client gave it, else as written in the document, else its kind. */
function operationNameOf(query: string | undefined, given: string | null | undefined): string {
  if (given) return given;
  const match = /^\s*(query|mutation|subscription)\b\s*(\w+)?/.exec(query ?? '');
  return match?.[2] ?? `anonymous ${match?.[1] ?? 'query'}`;
}
