import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { COMPRESSIBLE_TYPE, COMPRESSION_MIN_BYTES, compressBody, type ContentEncoding } from './content-encoding.ts';

/**
 * The dashboard's production build (Vite's output folder) held in memory: every file read and compressed (br and
 * gzip, maximum quality) once, so a request never touches the file system and no path can reach outside the build.
 * Compression runs in the background: brotli's maximum quality takes ~2.4 s for the whole build on two cores, and
 * until a file's encodings are ready it goes out as it is instead of keeping the first visitor waiting.
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
export const IMMUTABLE_PREFIX = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed files: browsers must check it on every visit. */
const REVALIDATE = 'no-cache';
export const INDEX_PATH = '/index.html';

export interface DashboardFile {
  type: string;
  cacheControl: string;
  /** The encodings are added once compressed. */
  bodies: { identity: Uint8Array } & Partial<Record<ContentEncoding, Uint8Array>>;
}

/** URL path (`/assets/index-abc.js`) → file. */
export type DashboardBuild = ReadonlyMap<string, DashboardFile>;

/** Whether `dir` holds a build at all (its index.html), checked without reading it. */
export function isDashboardBuilt(dir: string): Promise<boolean> {
  return access(path.join(dir, 'index.html')).then(
    () => true,
    () => false,
  );
}

/** Reads and compresses every file under `dir`; undefined when it holds no index.html (the dashboard is not built). */
export async function loadDashboardBuild(dir: string): Promise<DashboardBuild | undefined> {
  if (!(await isDashboardBuilt(dir))) return undefined;
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const files = new Map<string, DashboardFile>();
  for (const entry of entries) {
    const absolute = path.join(entry.parentPath, entry.name);
    const urlPath = `/${path.relative(dir, absolute).split(path.sep).join('/')}`;
    const type = TYPES[path.extname(entry.name)] ?? 'application/octet-stream';
    const identity = new Uint8Array(await readFile(absolute));
    const cacheControl = urlPath.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : REVALIDATE;
    files.set(urlPath, { type, cacheControl, bodies: { identity } });
  }
  // Not awaited. All files at once: compression runs on libuv's thread pool, off the event loop.
  void Promise.all(
    [...files.values()]
      .filter(({ type, bodies }) => COMPRESSIBLE_TYPE.test(type) && bodies.identity.byteLength >= COMPRESSION_MIN_BYTES)
      .map(async ({ bodies }) => {
        const [br, gzip] = await Promise.all([
          compressBody(bodies.identity, 'br', 'build'),
          compressBody(bodies.identity, 'gzip', 'build'),
        ]);
        bodies.br = new Uint8Array(br);
        bodies.gzip = new Uint8Array(gzip);
      }),
  ).catch(() => {
    // Cannot happen short of running out of memory; the files still go out as they are.
  });
  return files;
}
