import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateHost } from '@pmd/domain';

export interface PostOptions {
  timeoutMs: number;
  /** Loopback/private/link-local targets are refused unless this is set (ALLOW_PRIVATE_WEBHOOK_TARGETS). */
  allowPrivateTargets: boolean;
  /** Bytes of the response body kept for the delivery log; the rest is read and dropped. */
  maxResponseBytes?: number;
}

export interface PostResult {
  status: number;
  /** The start of the response body (for the error of a failed delivery). */
  body: string;
}

export class PrivateTargetError extends Error {}

/**
 * Resolves like the default lookup, then refuses private addresses: checking here (not the URL's host name before the
 * request) also catches a public name that resolves to an inside address, without a second resolution to race.
 */
function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const bad = addresses.find((entry) => isPrivateHost(entry.address));
      if (bad) return callback(new PrivateTargetError(`${hostname} resolves to private address ${bad.address}`), '', 0);
      if (options.all) return callback(null, addresses as unknown as string, 0);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs a JSON body. No redirects are followed (a 3xx is a failed delivery: a redirect could lead to another host,
 * past the private-address check's intent); the whole exchange has one deadline; the response is read up to a bound.
 */
export function postJson(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const url = new URL(target);
  if (!options.allowPrivateTargets && isPrivateHost(url.hostname)) {
    return Promise.reject(new PrivateTargetError(`${url.hostname} is a private address`));
  }
  const maxBytes = options.maxResponseBytes ?? 2048;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'pmd-notifier',
        ...headers,
      },
      lookup: options.allowPrivateTargets ? undefined : publicOnlyLookup(),
      timeout: options.timeoutMs,
    });
    const deadline = setTimeout(
      () => request.destroy(new Error(`no complete response within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('timeout', () => request.destroy(new Error(`no response within ${options.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < maxBytes) {
          chunks.push(chunk.subarray(0, maxBytes - kept));
          kept += Math.min(chunk.length, maxBytes - kept);
        }
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
    });
    request.end(body);
  });
}
