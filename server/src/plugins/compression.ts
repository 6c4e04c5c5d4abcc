import type { Plugin } from 'graphql-yoga';
import { COMPRESSIBLE_TYPE, COMPRESSION_MIN_BYTES, compressBody, negotiateEncoding } from '../http/content-encoding.ts';

/**
 * Compresses GraphQL and REST responses (br, else gzip) for clients that accept it: a breakdown or time series is tens
 * of kB of repetitive JSON. Not @whatwg-node/server's useContentEncoding: it also wraps event streams (SSE
 * subscriptions would sit in the compressor's buffer instead of reaching the client), ignores `q=0` and the spaces
 * in `gzip, br`, and compresses even tiny bodies. Websocket messages (graphql-ws) never pass through here.
 */
export function useCompression(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (!response.body || response.headers.has('content-encoding')) return;
      if (!COMPRESSIBLE_TYPE.test(response.headers.get('content-type') ?? '')) return;
      // Already negotiated by its producer (the dashboard's files, compressed once at load).
      if (/accept-encoding/i.test(response.headers.get('vary') ?? '')) return;
      // Caches must keep the compressed and the plain answer apart.
      response.headers.append('vary', 'accept-encoding');
      const encoding = negotiateEncoding(request.headers.get('accept-encoding'));
      if (!encoding) return;
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = new fetchAPI.Headers(response.headers);
      const init = { status: response.status, statusText: response.statusText, headers };
      if (body.byteLength < COMPRESSION_MIN_BYTES) {
        setResponse(new fetchAPI.Response(body, init));
        return;
      }
      const compressed = await compressBody(body, encoding, 'response');
      headers.set('content-encoding', encoding);
      headers.set('content-length', String(compressed.byteLength));
      setResponse(new fetchAPI.Response(new Uint8Array(compressed), init));
    },
  };
}
