import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  COMPRESSIBLE_TYPE,
  COMPRESSION_MIN_BYTES,
  compressBody,
  negotiateEncoding,
  type ContentEncoding,
} from '@pmd/server/content-encoding';

/**
 * The built dashboard's production server (`pnpm start`): `vite preview` neither compresses nor sets cache headers,
 * and Lighthouse measures what this serves. Every file of the build is read and compressed (br and gzip, maximum
 * quality) once at start, so a request never touches the file system: no path can reach outside the build.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite's hashed output: a new build gets new names, so browsers may keep these for a year without asking again. */
const IMMUTABLE_PREFIX = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed files: browsers must check it on every visit. */
const REVALIDATE = 'no-cache';

interface StaticFile {
  type: string;
  cacheControl: string;
  bodies: { identity: Buffer } & Partial<Record<ContentEncoding, Buffer>>;
}

async function loadBuild(root: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    const urlPath = `/${path.relative(root, absolute).split(path.sep).join('/')}`;
    const type = TYPES[path.extname(entry.name)] ?? 'application/octet-stream';
    const identity = await readFile(absolute);
    const bodies: StaticFile['bodies'] = { identity };
    if (COMPRESSIBLE_TYPE.test(type) && identity.byteLength >= COMPRESSION_MIN_BYTES) {
      [bodies.br, bodies.gzip] = await Promise.all([
        compressBody(identity, 'br', 'build'),
        compressBody(identity, 'gzip', 'build'),
      ]);
    }
    files.set(urlPath, { type, bodies, cacheControl: urlPath.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : REVALIDATE });
  }
  if (!files.has('/index.html')) throw new Error(`${root} holds no index.html: build the dashboard first`);
  return files;
}

/** The file a request path names; any other path that is not an asset is a route of the app (history mode). */
function resolve(files: Map<string, StaticFile>, pathname: string): StaticFile | undefined {
  const file = files.get(pathname === '/' ? '/index.html' : pathname);
  if (file) return file;
  // A missing hashed file is a 404, not the page: a stale tab must not parse HTML as a script.
  return pathname.startsWith(IMMUTABLE_PREFIX) ? undefined : files.get('/index.html');
}

function respond(files: Map<string, StaticFile>, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://dashboard').pathname);
  } catch {
    response.writeHead(400).end();
    return;
  }
  const file = resolve(files, pathname);
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const encoding = negotiateEncoding(request.headers['accept-encoding']);
  const compressed = encoding ? file.bodies[encoding] : undefined;
  const body = compressed ?? file.bodies.identity;
  response.writeHead(200, {
    'content-type': file.type,
    'content-length': body.byteLength,
    'cache-control': file.cacheControl,
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
    ...(compressed && encoding ? { 'content-encoding': encoding } : {}),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the build in `root` on `port` (0: a free one). */
export async function serveDashboard(root: string, port: number, host = '127.0.0.1'): Promise<DashboardServer> {
  const files = await loadBuild(root);
  const server = createServer((request, response) => respond(files, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8501' } } });
  const root = fileURLToPath(new URL('../dist/', import.meta.url));
  // All interfaces, like `vite preview --host`: the dashboard is opened from other machines (a wall screen).
  const { url } = await serveDashboard(root, Number(values.port), '0.0.0.0');
  console.log(`dashboard on ${url.replace('127.0.0.1', 'localhost')}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
}
