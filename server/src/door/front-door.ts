import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Logger } from '@pmd/db';
import type { ServerConfig } from '../config.ts';
import { REQUEST_LIMITS } from '../plugins/limits.ts';
import type { RestRouteTable } from '../rest/router.ts';
import { mayUseGraphQL, missingScopeMessage, scopesOf, type Scope } from '../services/access.ts';
import { textProblem } from '../services/text-safety.ts';
import { guardJson } from './json-guard.ts';
import { BodyBudget, BodyRefused, readBody } from './read-body.ts';

/** Node's request listener of the Yoga app: the door reads nothing it has not decided to let in. */
export interface FrontDoorOptions {
  /** Yoga's Node handler; its promise joins the door's, so a failure there also ends in a bare 500. */
  handler: (request: IncomingMessage, response: ServerResponse) => unknown;
  routes: RestRouteTable;
  config: Pick<ServerConfig, 'readToken' | 'ingestToken' | 'metricsToken' | 'adminToken' | 'corsOrigin'>;
  graphqlEndpoint: string;
  log: Logger;
}

/** Where a request is going, known from its method and path alone. */
type Destination =
  | { kind: 'graphql' }
  | { kind: 'rest'; scope: Scope | 'public'; maxBodyBytes?: number; acceptsCsv?: boolean }
  | { kind: 'other' };

/** A refusal written by the door itself: a short message, never a stack trace. */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly detail?: unknown,
  ) {}
}

const JSON_CONTENT_TYPE = /^application\/(graphql-response\+)?json\s*(;|$)/i;
const CSV_CONTENT_TYPE = /^text\/csv\s*(;|$)/i;

/**
 * The first thing every HTTP request meets, before Yoga:
 * 1. the request target and Host header must parse (400), and query parameters must be valid percent-encoded text;
 * 2. the token is checked from the headers against the scope the destination needs (401) before any byte of the
 *    body is read: REST routes declare their scope; the GraphQL endpoint needs a reader or an ingester scope (its
 *    fields check which, through `authScopes`); GraphiQL's page is open, and so are the dashboard's static files
 *    (http/dashboard.ts: they hold no data, and the data they ask for needs the read token);
 * 3. GraphQL POSTs must be JSON: a form or text/plain POST is a "simple" cross-site request that browsers send
 *    without a CORS preflight, so it could act with a victim's network position (415);
 * 4. the body is read as it streams within a size cap (the route's own, if it sets one), a time limit and a
 *    process-wide budget (413, 408, 503); a CSV body (routes that take one) must be valid UTF-8 (422); a JSON body
 *    is bounded in values and depth and must be valid UTF-8 (413, 422 naming the field), then parsed once and handed
 *    to Yoga.
 * Anything unexpected answers a bare 500; the log has the error.
 */
export function createFrontDoor(options: FrontDoorOptions): RequestListener {
  const budget = new BodyBudget(REQUEST_LIMITS.bodyBudgetBytes);

  const destinationOf = (method: string, pathname: string): Destination => {
    if (pathname === options.graphqlEndpoint) return { kind: 'graphql' };
    const match = options.routes.match(method, pathname);
    if (match.kind !== 'route') return { kind: 'other' };
    const { scope, maxBodyBytes, acceptsCsv } = match.route;
    return { kind: 'rest', scope, maxBodyBytes, acceptsCsv };
  };

  const admit = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = requestUrl(request);
    const method = request.method ?? 'GET';
    const destination = destinationOf(method, url.pathname);
    const authorization = request.headers.authorization;
    const scopes = scopesOf(options.config, authorization);

    if (destination.kind === 'rest' && destination.scope !== 'public' && !scopes[destination.scope]) {
      throw new Refusal(401, missingScopeMessage(destination.scope, authorization));
    }
    if (destination.kind === 'graphql' && !mayUseGraphQL(scopes) && !isGraphiQLPage(method, request, url)) {
      throw new Refusal(401, missingScopeMessage(options.config.readToken ? 'reader' : 'ingester', authorization));
    }
    if (!hasBody(request)) return;
    if (destination.kind === 'other') throw new Refusal(404, 'Not Found');
    if (destination.kind === 'graphql' && !JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new Refusal(415, 'GraphQL requests must be sent as Content-Type: application/json');
    }

    const body = await readBody(request, response, {
      maxBytes: (destination.kind === 'rest' && destination.maxBodyBytes) || REQUEST_LIMITS.maxBodyBytes,
      timeoutMs: REQUEST_LIMITS.bodyTimeoutMs,
      budget,
    });
    if (
      destination.kind === 'rest' &&
      destination.acceptsCsv &&
      CSV_CONTENT_TYPE.test(request.headers['content-type'] ?? '')
    ) {
      // CSV is not JSON: its quotes and brackets mean nothing to the JSON bounds; the route bounds its rows.
      if (!isUtf8(body)) throw new Refusal(422, 'the CSV body is not valid UTF-8');
      (request as IncomingMessage & { body?: unknown }).body = body.toString('utf8');
      return;
    }
    const verdict = guardJson(body, { maxValues: REQUEST_LIMITS.maxJsonValues, maxDepth: REQUEST_LIMITS.maxJsonDepth });
    if (!verdict.ok) {
      const where = verdict.path.length ? ` at ${formatPath(verdict.path)}` : '';
      const status = verdict.problem === 'invalid-utf8' ? 422 : 413;
      throw new Refusal(status, `${verdict.message}${where}`, [
        { loc: ['body', ...verdict.path], msg: verdict.message, type: verdict.problem.replaceAll('-', '_') },
      ]);
    }
    const text = body.toString('utf8');
    // Parsed once here; Yoga and the REST handlers get the value from `request.json()` (whatwg-node reads
    // `request.body` when a framework has consumed the stream). Containers only: whatwg-node ignores empty ones.
    (request as IncomingMessage & { body?: unknown }).body = parsedContainer(text) ?? text;
  };

  return (request, response) => {
    admit(request, response)
      .then(
        () => options.handler(request, response),
        (error: unknown) => {
          if (error instanceof Refusal) return refuse(request, response, error, options);
          if (error instanceof BodyRefused)
            return refuse(request, response, new Refusal(error.status, error.message), options);
          throw error;
        },
      )
      .catch((error: unknown) => {
        options.log.error({ err: error, method: request.method }, 'front door failed');
        refuse(request, response, new Refusal(500, 'Internal Server Error'), options);
      });
  };
}

/** The request's URL, or a 400 when its target, Host header or query string cannot be read as text. */
function requestUrl(request: IncomingMessage): URL {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  } catch {
    throw new Refusal(400, 'Malformed request target or Host header');
  }
  for (const pair of url.search.slice(1).split('&')) {
    if (!pair) continue;
    const [rawName = '', rawValue = ''] = pair.split('=', 2);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replaceAll('+', ' '));
      value = decodeURIComponent(rawValue.replaceAll('+', ' '));
    } catch {
      throw new Refusal(400, 'Query string is not valid percent-encoded UTF-8');
    }
    const problem = textProblem(name) ?? textProblem(value);
    if (problem)
      throw new Refusal(422, `query parameter ${name}: ${problem}`, [
        { loc: ['query', name], msg: problem, type: 'string_invalid' },
      ]);
  }
  return url;
}

/** GraphiQL's HTML page is open to everyone: the analyst types the token into its headers pane. */
function isGraphiQLPage(method: string, request: IncomingMessage, url: URL): boolean {
  return method === 'GET' && !url.searchParams.has('query') && (request.headers.accept ?? '').includes('text/html');
}

function hasBody(request: IncomingMessage): boolean {
  return Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
}

function parsedContainer(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && Object.keys(value).length > 0 ? value : undefined;
  } catch {
    return undefined; // the text goes on, and Yoga or the REST shim reports the syntax error in its own shape
  }
}

function formatPath(path: (string | number)[]): string {
  if (path.length > 8) return `${formatPath(path.slice(0, 8))}…`;
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

/** How long a refused body may keep flowing in (discarded) before the connection is dropped. */
const LINGER_MS = 2_000;

/**
 * Writes a refusal in the shape of its destination (GraphQL errors, or FastAPI's `{"detail": …}`); an unread body
 * is discarded for at most `LINGER_MS`, then the connection is dropped.
 */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  refusal: Refusal,
  { graphqlEndpoint, config }: Pick<FrontDoorOptions, 'graphqlEndpoint' | 'config'>,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const isGraphQL = (request.url ?? '').split('?')[0] === graphqlEndpoint;
  const code = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 415: 'BAD_REQUEST', 422: 'BAD_USER_INPUT' }[
    refusal.status
  ];
  const body = isGraphQL
    ? { errors: [{ message: refusal.message, extensions: { code: code ?? `HTTP_${refusal.status}` } }] }
    : { detail: refusal.detail ?? refusal.message };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-content-type-options': 'nosniff',
  };
  // The dashboard (another origin) must be able to read a 401 to ask for its token, as with Yoga's own answers.
  const origin = request.headers.origin;
  if (config.corsOrigin === '*' || origin === config.corsOrigin) {
    headers['access-control-allow-origin'] = config.corsOrigin === '*' ? '*' : config.corsOrigin;
    headers.vary = 'Origin';
  }
  if (refusal.status === 401) headers['www-authenticate'] = 'Bearer';
  if (refusal.status === 503) headers['retry-after'] = '1';
  response.writeHead(refusal.status, headers);
  response.end(JSON.stringify(body), () => {
    if (request.complete) return;
    // A lingering close, as nginx does: what the client still sends is discarded for a moment, so it can read this
    // answer; closing at once with unread bytes resets the connection and the answer is lost.
    const linger = setTimeout(() => request.socket.destroy(), LINGER_MS);
    linger.unref();
    request.once('end', () => clearTimeout(linger)).resume();
  });
}
