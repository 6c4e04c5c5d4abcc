import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL served from our own origin. Yoga 5.24's page loads `@graphql-yoga/graphiql@4.5.1` from unpkg (no integrity
 * hashes, and that version is not even published): offline analysts got a blank page. `@graphql-yoga/render-graphiql`
 * of the same Yoga release carries the same build as strings; we serve them as content-hashed files with immutable
 * caching instead of inlining 9 MB into every page (its own `renderGraphiQL` does that), so a strict
 * Content-Security-Policy can forbid every other origin.
 */

export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Monaco and GraphiQL set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Bytes in an ArrayBuffer of their own, handed over by the worker thread. */
type Bytes = Uint8Array<ArrayBuffer>;

interface Asset {
  body: Bytes;
  contentType: string;
}

interface GraphiQLAssets {
  byName: Map<string, Asset>;
  url: { css: string; js: string; favicon: string; environment: string; render: string };
}

type BundlePart = 'css' | 'js' | 'editorWorkerService' | 'jsonWorker' | 'graphqlWorker' | 'favicon';

const BUNDLE_FILE = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql/graphiql');

// The bundle is a 9 MB module of string literals: importing it here would keep ~33 MB on a heap capped at 256 MB (its
// source text plus two-byte strings). A short-lived worker thread loads it and hands over encoded bytes instead, which
// live outside the JavaScript heap.
const EXTRACT = `
const { parentPort, workerData } = require('node:worker_threads');
const bundle = require(workerData);
const encoder = new TextEncoder();
const parts = {};
for (const name of ['css', 'js', 'editorWorkerService', 'jsonWorker', 'graphqlWorker']) parts[name] = encoder.encode(bundle[name]);
const favicon = /^data:[^;,]+;base64,(.*)$/s.exec(bundle.favicon);
if (!favicon) throw new Error('render-graphiql: favicon is not a base64 data URL');
parts.favicon = new Uint8Array(Buffer.from(favicon[1], 'base64'));
parentPort.postMessage(parts, Object.values(parts).map((part) => part.buffer));
`;

async function extractBundle(): Promise<Record<BundlePart, Bytes>> {
  const worker = new Worker(EXTRACT, { eval: true, workerData: BUNDLE_FILE });
  const [parts] = (await once(worker, 'message')) as [Record<BundlePart, Bytes>];
  return parts;
}

async function loadAssets(): Promise<GraphiQLAssets> {
  const parts = await extractBundle();
  const byName = new Map<string, Asset>();
  const add = (stem: string, extension: string, contentType: string, body: Bytes): string => {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const name = `${stem}.${hash}.${extension}`;
    byName.set(name, { body, contentType });
    return GRAPHIQL_ASSETS_PATH + name;
  };
  const javascript = 'text/javascript; charset=utf-8';
  const text = (source: string) => new TextEncoder().encode(source);
  const workers = {
    editorWorkerService: add('editor.worker', 'js', javascript, parts.editorWorkerService),
    json: add('json.worker', 'js', javascript, parts.jsonWorker),
    graphql: add('graphql.worker', 'js', javascript, parts.graphqlWorker),
  };
  // Monaco asks for its workers by label; same-origin URLs need no blob copies and are cached like the rest.
  const environment = `const workers = ${JSON.stringify(workers)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
`;
  const render = `YogaGraphiQL.renderYogaGraphiQL(
  document.getElementById('root'),
  JSON.parse(document.getElementById('graphiql-options').textContent),
);
`;
  return {
    byName,
    url: {
      css: add('graphiql', 'css', 'text/css; charset=utf-8', parts.css),
      js: add('yoga-graphiql', 'js', javascript, parts.js),
      favicon: add('favicon', 'ico', 'image/x-icon', parts.favicon),
      environment: add('monaco-environment', 'js', javascript, text(environment)),
      render: add('render', 'js', javascript, text(render)),
    },
  };
}

let assets: Promise<GraphiQLAssets> | undefined;

/** Loaded on the first GraphiQL request, not at start: most server processes never serve it. */
function graphiqlAssets(): Promise<GraphiQLAssets> {
  assets ??= loadAssets().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);

/** Yoga's `renderGraphiQL` option: a page whose every script, style and icon comes from this server. */
export async function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { url } = await graphiqlAssets();
  // Inside <script>, only `<` can end the element early; \u003c keeps the JSON intact.
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title || 'Yoga GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(options.favicon || url.favicon)}" />
    <link rel="stylesheet" href="${url.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${json}</script>
    <script src="${url.environment}"></script>
    <script src="${url.js}"></script>
    <script src="${url.render}"></script>
  </body>
</html>
`;
}

/** Serves GET /graphiql/assets/<name>.<hash>.<ext> and puts a Content-Security-Policy on GraphiQL's page. */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const asset = (await graphiqlAssets()).byName.get(url.pathname.slice(GRAPHIQL_ASSETS_PATH.length));
      if (!asset) {
        endResponse(new fetchAPI.Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } }));
        return;
      }
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : asset.body, {
          headers: {
            'content-type': asset.contentType,
            'content-length': String(asset.body.byteLength),
            'cache-control': IMMUTABLE,
          },
        }),
      );
    },
    onResponse({ response }) {
      // HTML without a policy of its own is GraphiQL's page (Yoga's landing page is off; the dashboard sets its own).
      if (
        response.headers.get('content-type')?.startsWith('text/html') &&
        !response.headers.has('content-security-policy')
      ) {
        response.headers.set('content-security-policy', CSP);
      }
    },
  };
}
