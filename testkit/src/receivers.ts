import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  idempotencyKey: string | undefined;
  /** The signature verified as the README tells receivers to (null when the receiver has no secret). */
  signatureValid: boolean | null;
  /** The status answered (undefined while held). */
  status?: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Releases every held request with status 200. */
  releaseHeld(): void;
  close(): Promise<void>;
}

/**
 * What a webhook receiver does with the documented scheme, written apart from the worker's code so it can disagree:
 * HMAC-SHA256(secret, `${X-PMD-Timestamp}.${raw body}`), hex, prefixed `sha256=`, compared in constant time.
 */
export function verifyPmdSignature(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const timestamp = headers['x-pmd-timestamp'];
  const signature = headers['x-pmd-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A local HTTP receiver. `respond(n)` decides the answer to the n-th request (1-based): a status, or 'hold' to keep
 * the request open until `releaseHeld()` (a worker killed mid-send).
 */
export async function startWebhookReceiver(
  options: { secret?: string; respond?: (n: number) => number | 'hold' } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedWebhook = {
        headers: request.headers,
        body,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        signatureValid: options.secret === undefined ? null : verifyPmdSignature(options.secret, request.headers, body),
      };
      received.push(entry);
      const answer = options.respond?.(received.length) ?? 200;
      if (answer === 'hold') {
        held.push(response);
        return;
      }
      entry.status = answer;
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'receiver says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    releaseHeld() {
      for (const response of held.splice(0)) if (!response.destroyed) response.writeHead(200).end('late');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
