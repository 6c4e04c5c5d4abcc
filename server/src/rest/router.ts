import { Response } from '@whatwg-node/fetch';
import type { Plugin } from 'graphql-yoga';
import type { AppContext } from '../context.ts';
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
} from '../errors/database-unavailable.ts';
import { missingScopeMessage, scopesOf, type Scope } from '../services/access.ts';
import { textProblem } from '../services/text-safety.ts';

/** A REST handler of the original API: gets the request, its URL and path parameters, answers a Response. */
export type RestHandler = (input: {
  request: Request;
  url: URL;
  params: Record<string, string>;
  app: AppContext;
}) => Promise<Response> | Response;

export interface RestRoute {
  method: 'GET' | 'POST';
  /** Path pattern with `:name` parameters, e.g. `/campaigns/:campaign_id/kpis`. */
  path: string;
  /** Who may call it: `public`, or the scope its token must grant (checked before the body is read). */
  scope: Scope | 'public';
  /** Largest body the door reads for it (default REQUEST_LIMITS.maxBodyBytes); larger ones are refused with 413. */
  maxBodyBytes?: number;
  /** It takes CSV text as well as JSON: a text/csv body skips the JSON bounds (it is checked as UTF-8 only). */
  acceptsCsv?: boolean;
  handler: RestHandler;
}

/**
 * A JSON response of the REST shims. Built with the Response Yoga's server adapter uses (@whatwg-node/fetch's): it
 * writes that one's string body straight to the socket, where the global Response's body is read back as a stream
 * (a few % of the server's CPU per /events/batch request in a profile).
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** 401 for a REST caller without the scope a route needs, in FastAPI's `{"detail": …}` shape. */
export function unauthorized(scope: Scope, authorization: unknown): Response {
  return json({ detail: missingScopeMessage(scope, authorization) }, 401, { 'www-authenticate': 'Bearer' });
}

export type RouteMatch =
  | { kind: 'route'; route: RestRoute; rawParams: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

/** The REST routes compiled once; the front door and the Yoga plugin below ask the same table. */
export class RestRouteTable {
  private readonly compiled: (RestRoute & { pattern: RegExp })[];

  constructor(routes: RestRoute[]) {
    this.compiled = routes.map((route) => ({ ...route, pattern: compile(route.path) }));
  }

  match(method: string, pathname: string): RouteMatch {
    const matches = this.compiled.filter((route) => route.pattern.test(pathname));
    if (!matches.length) return { kind: 'none' };
    const route = matches.find((candidate) => candidate.method === method);
    if (!route) return { kind: 'wrong-method', allowed: matches.map((m) => m.method) };
    return { kind: 'route', route, rawParams: { ...route.pattern.exec(pathname)?.groups } };
  }

  /**
   * `METHOD /pattern` of the route serving this request (e.g. `GET /campaigns/:campaign_id/kpis`), or null when no
   * route does: a bounded name for metrics, whatever path or method a client sends. `templates` lists them all.
   */
  get templates(): string[] {
    return this.compiled.map((route) => `${route.method} ${route.path}`);
  }

  templateOf(method: string, pathname: string): string | null {
    const match = this.match(method, pathname);
    return match.kind === 'route' ? `${match.route.method} ${match.route.path}` : null;
  }
}

function compile(path: string): RegExp {
  const pattern = path.replace(/:(\w+)/g, (_, name: string) => `(?<${name}>[^/]+)`);
  return new RegExp(`^${pattern}/?$`);
}

/**
 * Path parameters decoded, or the response refusing them: 400 for broken percent-encoding, 422 naming the parameter
 * for text PostgreSQL cannot store (NUL, unpaired surrogates) instead of a database error.
 */
function decodeParams(raw: Record<string, string>): { params: Record<string, string> } | { refused: Response } {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      return { refused: json({ detail: `path parameter ${name} is not valid percent-encoded UTF-8` }, 400) };
    }
    const problem = textProblem(decoded);
    if (problem)
      return { refused: json({ detail: [{ loc: ['path', name], msg: problem, type: 'string_invalid' }] }, 422) };
    params[name] = decoded;
  }
  return { params };
}

/**
 * Serves the original REST endpoints inside Yoga's request pipeline, so `yoga.fetch` answers them in-process and
 * they share Yoga's CORS and logging. Unknown paths fall through to GraphQL (and its 404). The scope is checked here
 * too (the front door already refused requests without it over HTTP; in-process calls only meet this check).
 */
export function useRestRoutes(table: RestRouteTable, app: AppContext): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      const match = table.match(request.method, url.pathname);
      if (match.kind === 'none') return;
      if (match.kind === 'wrong-method') {
        endResponse(json({ detail: 'Method Not Allowed' }, 405, { allow: match.allowed.join(', ') }));
        return;
      }
      const { route } = match;
      if (route.scope !== 'public') {
        const authorization = request.headers.get('authorization');
        if (!scopesOf(app.config, authorization)[route.scope]) {
          endResponse(unauthorized(route.scope, authorization));
          return;
        }
      }
      const decoded = decodeParams(match.rawParams);
      if ('refused' in decoded) {
        endResponse(decoded.refused);
        return;
      }
      try {
        endResponse(await route.handler({ request, url, params: decoded.params, app }));
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
