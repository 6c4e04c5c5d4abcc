import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../config.ts';

/**
 * Who may do what. Ingest needs INGEST_TOKEN when it is set; reads and acknowledging alerts need READ_TOKEN when it is
 * set. A token comes as `Authorization: Bearer <token>` (or, on websockets, where browsers cannot set headers, as the
 * `authorization` connection parameter).
 */
export type Access = 'ingest' | 'read';

/** The bearer token of a request, if it sent one. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return match ? match[1]! : null;
}

/** Why `authorization` may not do `access`, or null when it may. */
export function accessFailure(
  config: Pick<ServerConfig, 'ingestToken' | 'readToken'>,
  access: Access,
  authorization: string | null | undefined,
): string | null {
  const [expected, variable] = access === 'ingest' ? [config.ingestToken, 'INGEST_TOKEN'] : [config.readToken, 'READ_TOKEN'];
  if (!expected) return null;
  const token = bearerToken(authorization);
  if (token === null) return `This requires an Authorization: Bearer <token> header (${variable} is set on this server)`;
  return sameSecret(token, expected) ? null : `Invalid ${access} token`;
}

// Hashing first gives equal-length buffers, so the comparison time says nothing about the token.
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
