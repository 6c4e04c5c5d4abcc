import type { AppContext } from '../context.ts';
import { ingestEvents, type IngestOutcome } from './ingest.ts';

/** Why a request was turned away before its events were looked at. */
export interface IngestRefusal {
  status: 429;
  code: 'RATE_LIMITED';
  message: string;
  retryAfterSeconds: number;
}

export type IngestAttempt = { refused: IngestRefusal } | { outcome: IngestOutcome };

/** Who is ingesting, for the rate limit: a hash of its token, else its address (`clientKeyOf`). */
export interface IngestClient {
  clientKey: string;
}

/**
 * The door both ingest paths (GraphQL over HTTP and websockets, and REST) go through once their `ingester` scope was
 * checked: the per-client rate limit (events, not requests, are counted), the ingest service, then the ingest
 * counters of /metrics.
 */
export async function ingestThroughGate(
  app: AppContext,
  client: IngestClient,
  candidates: readonly unknown[],
): Promise<IngestAttempt> {
  if (app.ingestLimiter) {
    const verdict = app.ingestLimiter.take(client.clientKey, Math.max(candidates.length, 1));
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
  const outcome = await ingestEvents(app.pool, candidates, app.retention.settings());
  app.metrics.ingestEvents.inc({ result: 'stored' }, outcome.stored);
  app.metrics.ingestEvents.inc({ result: 'duplicate' }, outcome.duplicates);
  app.metrics.ingestEvents.inc({ result: 'rejected' }, outcome.rejected.length);
  return { outcome };
}
