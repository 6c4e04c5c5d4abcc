import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../config.ts';

/** Why a request may not ingest, or null when it may (no INGEST_TOKEN configured, or the right bearer token sent). */
export function ingestAuthFailure(config: Pick<ServerConfig, 'ingestToken'>, request: Request): string | null {
  if (!config.ingestToken) return null;
  const header = request.headers.get('authorization');
  if (!header) return 'Ingest requires an Authorization: Bearer <token> header (INGEST_TOKEN is set on this server)';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match || !sameSecret(match[1]!, config.ingestToken)) return 'Invalid ingest token';
  return null;
}

// Hashing first gives equal-length buffers, so the comparison time says nothing about the token.
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
