import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/**
 * HTTP response compression shared by the API's responses (plugins/compression.ts) and the dashboard's files
 * (http/dashboard-build.ts, http/dashboard.ts), so both negotiate and compress the same way.
 */
export type ContentEncoding = 'br' | 'gzip';

/** Brotli first: JSON and JS come out 15–25 % smaller than with gzip, and every client that asks for it decodes it. */
const PREFERENCE: readonly ContentEncoding[] = ['br', 'gzip'];

/** Below this many bytes a response goes out as it is: compression would save less than one TCP packet. */
export const COMPRESSION_MIN_BYTES = 1024;

/** Bodies worth compressing: text formats. Event streams and multipart responses are not (they must flush per part). */
export const COMPRESSIBLE_TYPE =
  /^(application\/(json|graphql-response\+json|javascript)|text\/(html|css|javascript|plain))\s*(;|$)/i;

/** The encoding to answer `accept-encoding` with, honouring `q=0` and `*`; undefined: send the body as it is. */
export function negotiateEncoding(acceptEncoding: string | null | undefined): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    weights.set(name, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return PREFERENCE.find((encoding) => (weights.get(encoding) ?? weights.get('*') ?? 0) > 0);
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Compresses a whole body. `effort: 'response'` is for bodies made per request (brotli quality 5: most of the gain
 * at a few milliseconds per 100 kB); `'build'` for files compressed once at start (maximum quality).
 */
export function compressBody(
  body: Uint8Array,
  encoding: ContentEncoding,
  effort: 'response' | 'build',
): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: effort === 'build' ? 9 : 6 });
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: effort === 'build' ? constants.BROTLI_MAX_QUALITY : 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  });
}
