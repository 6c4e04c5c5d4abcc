import type { Plugin } from 'graphql-yoga';
import type { AppContext } from '../context.ts';
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
} from '../errors/database-unavailable.ts';
import { accessFailure } from '../services/access.ts';

/** A REST handler of the original API: gets the request, its URL and path parameters, answers a Response. */
export type RestHandler = (input: {
  request: Request;
  url: URL;
  params: Record<string, string>;
  app: AppContext;
}) => Promise<Response> | Response;

export interface RestRoute {
  method: 'GET' | 'POST';
  /** Path pattern with `:name` parameters, e.g. `/campaigns/:campaignId/kpis`. */
  path: string;
  /** `read`: needs READ_TOKEN when the server has one. Ingest routes check INGEST_TOKEN in the ingest gate. */
  access?: 'public' | 'read';
  handler: RestHandler;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function compile(path: string): RegExp {
  const pattern = path.replace(/:(\w+)/g, (_, name: string) => `(?<${name}>[^/]+)`);
  return new RegExp(`^${pattern}/?$`);
}

/**
 * Serves the original REST endpoints inside Yoga's request pipeline, so `yoga.fetch` answers them in-process and
 * they share Yoga's CORS and logging. Unknown paths fall through to GraphQL (and its 404).
 */
export function useRestRoutes(routes: RestRoute[], app: AppContext): Plugin {
  const compiled = routes.map((route) => ({ ...route, pattern: compile(route.path) }));
  return {
    async onRequest({ request, url, endResponse }) {
      const matches = compiled.filter((route) => route.pattern.test(url.pathname));
      if (!matches.length) return;
      const route = matches.find((candidate) => candidate.method === request.method);
      if (!route) {
        endResponse(json({ detail: 'Method Not Allowed' }, 405, { allow: matches.map((m) => m.method).join(', ') }));
        return;
      }
      if (route.access === 'read') {
        const denied = accessFailure(app.config, 'read', request.headers.get('authorization'));
        if (denied) {
          endResponse(json({ detail: denied }, 401, { 'www-authenticate': 'Bearer' }));
          return;
        }
      }
      const params = Object.fromEntries(
        Object.entries(route.pattern.exec(url.pathname)?.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]),
      );
      try {
        endResponse(await route.handler({ request, url, params, app }));
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          app.log.warn({ err: error, path: url.pathname }, 'database unavailable');
          endResponse(
            json({ detail: DATABASE_UNAVAILABLE_MESSAGE }, 503, { 'retry-after': String(RETRY_AFTER_SECONDS) }),
          );
          return;
        }
        app.log.error({ err: error, path: url.pathname }, 'REST handler failed');
        endResponse(json({ detail: 'Internal Server Error' }, 500));
      }
    },
  };
}

/**
 * `METHOD /pattern` of the route serving this request (e.g. `GET /campaigns/:campaignId/kpis`), or null when no route
 * does: a bounded name for metrics, whatever path or method a client sends.
 */
export function routeTemplateOf(routes: readonly RestRoute[], method: string, pathname: string): string | null {
  const route = routes.find((candidate) => candidate.method === method && compile(candidate.path).test(pathname));
  return route ? `${route.method} ${route.path}` : null;
}
