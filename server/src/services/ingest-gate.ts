import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { clientAddressOf } from '../observability/request-log.ts';
import { accessFailure, bearerToken } from './access.ts';
import { ingestEvents, type IngestOutcome } from './ingest.ts';

/** Why a request was turned away before its events were looked at. */
export interface IngestRefusal {
  status: 401 | 429;
  code: 'UNAUTHENTICATED' | 'RATE_LIMITED';
  message: string;
  retryAfterSeconds?: number;
}

export type IngestAttempt = { refused: IngestRefusal } | { outcome: IngestOutcome };

/**
 * The door both ingest paths (GraphQL and REST) go through: token check, per-client rate limit (by token, else by
 * address; events, not requests, are counted), the ingest service, then the ingest counters of /metrics.
 */
export async function ingestThroughGate(app: AppContext, request: Request, candidates: readonly unknown[]): Promise<IngestAttempt> {
  const authorization = request.headers.get('authorization');
  const denied = accessFailure(app.config, 'ingest', authorization);
  if (denied) return { refused: { status: 401, code: 'UNAUTHENTICATED', message: denied } };
  if (app.ingestLimiter) {
    const token = bearerToken(authorization);
    const client = token ? `token:${createHash('sha256').update(token).digest('hex')}` : `address:${clientAddressOf(request)}`;
    const verdict = app.ingestLimiter.take(client, Math.max(candidates.length, 1));
    if (!verdict.allowed) {
      app.metrics.rateLimited.inc();
      return {
        refused: {
          status: 429,
          code: 'RATE_LIMITED',
          message: `Ingest is limited to ${app.ingestLimiter.ratePerSecond} events/s per client; retry in ${verdict.retryAfterSeconds} s`,
          retryAfterSeconds: verdict.retryAfterSeconds,
        },
      };
    }
  }
  const outcome = await ingestEvents(app.pool, candidates);
  app.metrics.ingestEvents.inc({ result: 'stored' }, outcome.stored);
  app.metrics.ingestEvents.inc({ result: 'duplicate' }, outcome.duplicates);
  app.metrics.ingestEvents.inc({ result: 'rejected' }, outcome.rejected.length);
  return { outcome };
}
