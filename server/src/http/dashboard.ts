import type { Plugin } from 'graphql-yoga';
import {
  IMMUTABLE_PREFIX,
  INDEX_PATH,
  loadDashboardBuild,
  type DashboardBuild,
  type DashboardFile,
} from './dashboard-build.ts';
import { negotiateEncoding } from './content-encoding.ts';

/**
 * The dashboard served by the API on its own origin, so the page finds the API wherever it is reached from (any host
 * name, a proxy, :8501). Who may use it: everyone. Its files are public: they hold no data, and every piece of data
 * they ask for needs the read token (the GraphQL and REST doors check it).
 *
 * It answers GET and HEAD only, never on a path of the API (`isApiPath`: /graphql, GraphiQL's assets, /livez and
 * every REST route of that method):
 * - a file of the build (`/` is index.html); hashed `/assets/` files are cacheable for a year, a missing one is a 404
 *   (a stale tab must not parse HTML as a script);
 * - any other path a browser navigates to (Accept: text/html) is a route of the app (history mode): index.html.
 * Other requests fall through to the API's own 404, so a mistyped API path still gets a 404, not a page.
 */
export interface DashboardOptions {
  /** The build folder (Vite's `dist/`); read once, on the first request that may need it. */
  dir: string;
  isApiPath(method: string, pathname: string): boolean;
}

/** No file of a Vite build has a path near this long; longer targets are refused before any lookup. */
const MAX_PATH_LENGTH = 1024;
export const NOT_BUILT_MESSAGE = 'dashboard not built: run pnpm build';

/**
 * What the page may load: only its own origin (scripts, styles, the API over HTTP and websockets: CSP 'self' covers
 * ws: and wss: of the same host). Vite's index.html has no inline script; styles may be inline because Vue's style
 * bindings and ECharts' tooltips set them; the icon is a data: URL.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function useDashboard(options: DashboardOptions): Plugin {
  let build: Promise<DashboardBuild | undefined> | undefined;
  const loaded = () => {
    build ??= loadDashboardBuild(options.dir).catch((error: unknown) => {
      build = undefined;
      throw error;
    });
    return build;
  };

  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      const { method } = request;
      const { pathname } = url;
      if (options.isApiPath(method, pathname)) return;
      const isAsset = pathname.startsWith(IMMUTABLE_PREFIX);
      const isNavigation = (request.headers.get('accept') ?? '').includes('text/html');
      const text = (status: number, body: string, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } }),
        );

      if (pathname.length > MAX_PATH_LENGTH) {
        if (isAsset || isNavigation) text(414, 'URI Too Long');
        return;
      }
      const files = await loaded();
      const file = files?.get(pathname === '/' ? INDEX_PATH : pathname);
      const claimed = isAsset || pathname === '/' || file !== undefined || isNavigation;
      if (!claimed) return;
      if (method !== 'GET' && method !== 'HEAD') {
        // Only the dashboard's own paths: a POST to a route of the app's history is not a file either.
        if (isAsset || file) text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
        return;
      }
      if (!files) return text(404, NOT_BUILT_MESSAGE);
      const served = file ?? (isAsset ? undefined : files.get(INDEX_PATH));
      if (!served) return text(404, 'Not Found');
      endResponse(respond(served, request, fetchAPI));
    },
  };
}

function respond(file: DashboardFile, request: Request, fetchAPI: { Response: typeof Response }): Response {
  const encoding = negotiateEncoding(request.headers.get('accept-encoding'));
  const compressed = encoding ? file.bodies[encoding] : undefined;
  const body = compressed ?? file.bodies.identity;
  const headers: Record<string, string> = {
    'content-type': file.type,
    'content-length': String(body.byteLength),
    'cache-control': file.cacheControl,
    // Negotiated here: the API's compression plugin leaves a response that already varies on the encoding alone.
    vary: 'accept-encoding',
  };
  if (compressed && encoding) headers['content-encoding'] = encoding;
  if (file.type.startsWith('text/html')) headers['content-security-policy'] = DASHBOARD_CSP;
  return new fetchAPI.Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { headers });
}
