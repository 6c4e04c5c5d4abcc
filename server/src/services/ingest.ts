import type pg from 'pg';
import type { RetentionSettings } from '@pmd/domain';
import { eventValidator, MAX_BATCH_SIZE, type EventFieldError, type ValidEvent } from './ingest-validation.ts';
import { BatchTooLargeError } from './errors.ts';
import { ingestWriterFor } from './ingest-writer.ts';

/**
 * The one ingest use case behind both GraphQL (`ingestEvents`, `ingestEvent`) and the REST shims (`POST /events`,
 * `POST /events/batch`): validate each event, store the valid ones and maintain the minute rollup, the dirty-hour
 * queue and the notification in one statement (shared with requests arriving meanwhile: see ingest-writer.ts), and
 * report what happened to every event.
 */

export interface RejectedEvent {
  /** Position in the request (0-based). */
  index: number;
  /** The event's id when it had a string one. */
  eventId: string | null;
  errors: EventFieldError[];
}

export interface IngestOutcome {
  received: number;
  stored: number;
  /** Valid events not stored: their event_id was already stored, or came earlier in the same request. */
  duplicates: number;
  rejected: RejectedEvent[];
}

/**
 * Validates `candidates` (each shaped like the original's JSON event; GraphQL inputs are mapped to that shape first)
 * and stores the valid ones; `retention` sets how old an event may be. Throws BatchTooLargeError, before touching the database, beyond MAX_BATCH_SIZE.
 */
export async function ingestEvents(
  pool: pg.Pool,
  candidates: readonly unknown[],
  retention: RetentionSettings = {},
  now = new Date(),
): Promise<IngestOutcome> {
  if (candidates.length > MAX_BATCH_SIZE) throw new BatchTooLargeError(candidates.length);
  const valid: ValidEvent[] = [];
  const rejected: RejectedEvent[] = [];
  const validate = eventValidator(now, retention);
  candidates.forEach((candidate, index) => {
    const result = validate(candidate);
    if (result.ok) valid.push(result.event);
    else rejected.push({ index, eventId: eventIdOf(candidate), errors: result.errors });
  });
  const stored = valid.length ? await ingestWriterFor(pool).store(valid) : 0;
  return { received: candidates.length, stored, duplicates: valid.length - stored, rejected };
}

function eventIdOf(candidate: unknown): string | null {
  if (typeof candidate !== 'object' || candidate === null) return null;
  const eventId = (candidate as { event_id?: unknown }).event_id;
  return typeof eventId === 'string' ? eventId : null;
}
