import { MAX_BATCH_SIZE } from '@pmd/domain';
import { print } from 'graphql';
import { graphql } from './gql/index.ts';
import type { EventInput, IngestEventsMutation } from './gql/graphql.ts';
import type { SimulatedEvent } from './simulation.ts';

export const IngestEventsDocument = graphql(/* GraphQL */ `
  mutation IngestEvents($events: [EventInput!]!) {
    ingestEvents(events: $events) {
      __typename
      ... on IngestResult {
        received
        stored
        duplicates
        rejected {
          index
          eventId
          reasons
        }
      }
      ... on BatchTooLargeError {
        message
        maxBatchSize
      }
    }
  }
`);

const INGEST_QUERY = print(IngestEventsDocument);

export interface SenderOptions {
  /** Base URL of the API, e.g. http://localhost:8000. */
  url: string;
  token?: string;
  /** Events per request (original: 50). */
  batchSize: number;
  /** A partial batch is sent after this long (original: 2 s). */
  flushIntervalMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Most events held unsent; `enqueue` waits beyond it (back-pressure instead of dropping). */
  maxBuffered: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs, with ±50 % jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called for each rejected event (logging). */
  onRejected?: (rejected: { eventId: string | null; reasons: string[] }) => void;
  /** Called before each retry (logging). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface SenderStats {
  /** Events accepted by the server in a response (stored + duplicates + rejected). */
  sent: number;
  stored: number;
  duplicates: number;
  rejected: number;
  retries: number;
  requests: number;
  /** Events waiting to be sent or in flight. */
  pending: number;
}

/** A request that must not be retried (the server said no for a reason retrying cannot fix). */
export class FatalSendError extends Error {
  override name = 'FatalSendError';
}

/**
 * At-least-once delivery to `ingestEvents`: batches of up to `batchSize`, flushed when full or every
 * `flushIntervalMs`; a network error, a 429 or a 5xx is retried with exponential backoff and jitter, forever, with
 * the same events (ingest is idempotent by event id, so a retry after a lost response stores nothing twice).
 */
export class Sender {
  private buffer: EventInput[] = [];
  private inFlight = 0;
  private readonly waitingForRoom: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private fatal: Error | undefined;
  readonly stats: SenderStats = { sent: 0, stored: 0, duplicates: 0, rejected: 0, retries: 0, requests: 0, pending: 0 };

  constructor(private readonly options: SenderOptions) {
    if (options.batchSize < 1 || options.batchSize > MAX_BATCH_SIZE)
      throw new Error(`batch size must be 1..${MAX_BATCH_SIZE}`);
    this.timer = setInterval(() => this.pump(true), options.flushIntervalMs);
  }

  /** Queues one event; waits while the buffer is full. Rejects once a fatal error (e.g. a wrong token) happened. */
  async enqueue(event: SimulatedEvent): Promise<void> {
    while (this.buffer.length >= this.options.maxBuffered && !this.fatal) {
      await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    }
    if (this.fatal) throw this.fatal;
    this.buffer.push(toInput(event));
    this.stats.pending++;
    if (this.buffer.length >= this.options.batchSize) this.pump(false);
  }

  /** Sends everything queued and waits until every request has an answer. */
  async flush(): Promise<void> {
    while ((this.buffer.length || this.inFlight) && !this.fatal) {
      this.pump(true);
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    if (this.fatal) throw this.fatal;
  }

  /** Flushes, then stops the flush timer. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      clearInterval(this.timer);
    }
  }

  private pump(includePartial: boolean): void {
    while (
      !this.fatal &&
      this.inFlight < this.options.concurrency &&
      (this.buffer.length >= this.options.batchSize || (includePartial && this.buffer.length > 0))
    ) {
      const batch = this.buffer.splice(0, this.options.batchSize);
      this.inFlight++;
      for (const wake of this.waitingForRoom.splice(0)) wake();
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        this.stats.pending -= batch.length;
        this.pump(false);
        for (const wake of this.idle.splice(0)) wake();
      });
    }
  }

  private async deliver(batch: EventInput[]): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        this.stats.requests++;
        const outcome = await this.post(batch);
        if (outcome.kind === 'done') return;
        reason = outcome.reason;
      } catch (error) {
        if (error instanceof FatalSendError) {
          this.fatal = error;
          for (const wake of this.waitingForRoom.splice(0)) wake();
          return;
        }
        reason = `network error: ${(error as Error).message}`;
      }
      const delayMs = Math.min(max, initial * 2 ** (attempt - 1)) * (0.5 + Math.random());
      this.stats.retries++;
      this.options.onRetry?.({ attempt, delayMs, reason });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  private async post(batch: EventInput[]): Promise<{ kind: 'done' } | { kind: 'retry'; reason: string }> {
    const response = await fetch(`${this.options.url.replace(/\/$/, '')}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: JSON.stringify({ query: INGEST_QUERY, operationName: 'IngestEvents', variables: { events: batch } }),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      return { kind: 'retry', reason: `HTTP ${response.status}` };
    }
    const text = await response.text();
    let body: { data?: IngestEventsMutation | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy's error page: the request may or may not have reached the API; resending is safe.
      return { kind: 'retry', reason: `HTTP ${response.status} with a non-JSON body` };
    }
    if (response.status === 401 || body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
      throw new FatalSendError(`the API refused the ingest token: ${body.errors?.[0]?.message ?? 'HTTP 401'}`);
    }
    const result = body.data?.ingestEvents;
    if (!result)
      throw new FatalSendError(`the API refused the request: ${body.errors?.map((e) => e.message).join('; ') ?? text}`);
    if (result.__typename === 'BatchTooLargeError') throw new FatalSendError(result.message);
    this.stats.sent += result.received;
    this.stats.stored += result.stored;
    this.stats.duplicates += result.duplicates;
    this.stats.rejected += result.rejected.length;
    for (const rejected of result.rejected) this.options.onRejected?.(rejected);
    return { kind: 'done' };
  }
}

function toInput(event: SimulatedEvent): EventInput {
  return {
    eventId: event.eventId,
    ts: event.ts.toISOString(),
    userId: event.userId,
    campaignId: event.campaignId,
    channel: event.channel,
    eventType: event.eventType,
    cost: event.cost,
    revenue: event.revenue,
  };
}
