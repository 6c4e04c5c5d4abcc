import { storeEvents, storeEventsAssumingNewIds, type StoredEvents } from '@pmd/db';
import type pg from 'pg';
import { MAX_BATCH_SIZE, type ValidEvent } from './ingest-validation.ts';

interface PendingWrite {
  events: ValidEvent[];
  resolve(stored: number): void;
  reject(error: unknown): void;
}

/**
 * Three: while one statement waits for its commit's WAL flush (and holds its minute rows until then), the others parse,
 * check ids and insert their rows, and wait only for those minute rows. One at a time left both cores idle through
 * every flush; `pnpm bench:ingest` measured GraphQL ×1000 at +35% and REST ×50 at +10% with two. A third gave nothing
 * while the server's own CPU per event was the bound; once that fell (7 µs per event, against PostgreSQL's 14), it gave
 * GraphQL ×1000 +4–6% in six back-to-back pairs of runs. Statements take their locks in key order (store-events.ts),
 * so they never deadlock.
 */
export const STATEMENTS_IN_FLIGHT = 3;

/**
 * A statement beside a running one starts only for at least this many waiting events; fewer wait for a statement to
 * end and go together in the next. In PostgreSQL, statements running side by side cost more per event the smaller they
 * are (WAL flushes, lock waits and context switches on the same cores): four connections sending 50-event statements
 * spent 36 µs of CPU per event, two sending 100-event ones 24, one sending 200-event ones 16. With 4 REST clients of
 * 50 events, `pnpm bench:ingest` measured PostgreSQL's CPU per event of (b) 25–30 µs instead of 37–39, and (b) 3–7%
 * faster; GraphQL batches of 1,000 are past it and run as before.
 */
export const EVENTS_FOR_ANOTHER_STATEMENT = 100;

/**
 * After a known id made a statement that assumed new ids fail, the writer's statements skip known ids for this long:
 * a stream of re-sends costs one failed statement per period, not one per batch.
 */
export const SKIP_KNOWN_IDS_MS = 10_000;

/**
 * Group commit for ingest: at most STATEMENTS_IN_FLIGHT statements at a time per process (one beside another only for
 * EVENTS_FOR_ANOTHER_STATEMENT waiting events), each carrying every request that arrived while the others ran (up to
 * MAX_BATCH_SIZE events, a larger request alone). Concurrent requests over the same campaigns would otherwise queue on
 * the same minute rows, each holding their locks through its own commit's WAL flush; merged, they share one commit and
 * one upsert per minute row. Each request still learns exactly how many of its own events were stored: when all were,
 * all of its own; otherwise the first occurrence of an event id in the merged batch is the one inserted.
 */
export class IngestWriter {
  private readonly queue: PendingWrite[] = [];
  private writing = 0;
  private drainScheduled = false;
  private skipKnownIdsUntil = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly statementsInFlight = STATEMENTS_IN_FLIGHT,
    private readonly eventsForAnotherStatement = EVENTS_FOR_ANOTHER_STATEMENT,
  ) {}

  /** Stores `events` (already validated); resolves how many of them were newly stored. */
  store(events: ValidEvent[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.drainSoon();
    });
  }

  /**
   * Starts statements once this turn of the event loop is over (setImmediate runs after the poll phase), so requests
   * whose bytes arrived together share a statement instead of the first taking a free slot alone: with 4 REST clients
   * of 50 events, statements of one request fell from 73% to 65% (`pnpm bench:ingest`). The wait is one loop turn.
   */
  private drainSoon(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      // Each drain takes its first group before its first await, so this starts one statement per free slot.
      while (this.mayStartStatement()) void this.drain();
    });
  }

  /** A free slot, and either no statement running or enough waiting events for one beside it. */
  private mayStartStatement(): boolean {
    if (!this.queue.length || this.writing >= this.statementsInFlight) return false;
    return this.writing === 0 || this.queuedEvents() >= this.eventsForAnotherStatement;
  }

  /** The events waiting: what arrived since the running statements took theirs, so a sum over a short queue. */
  private queuedEvents(): number {
    return this.queue.reduce((events, write) => events + write.events.length, 0);
  }

  private async drain(): Promise<void> {
    this.writing++;
    try {
      while (this.queue.length) {
        const group = [this.queue.shift()!];
        let size = group[0]!.events.length;
        while (this.queue.length && size + this.queue[0]!.events.length <= MAX_BATCH_SIZE) {
          size += this.queue[0]!.events.length;
          group.push(this.queue.shift()!);
        }
        try {
          if (group.length === 1) {
            group[0]!.resolve((await this.write(group[0]!.events, false)).stored);
            continue;
          }
          const merged = group.flatMap((write) => write.events);
          const { stored, eventIds } = await this.write(merged, true);
          if (stored === merged.length) {
            // The common case: no duplicate anywhere, so each request stored all of its events (no ids came back).
            for (const write of group) write.resolve(write.events.length);
            continue;
          }
          const inserted = new Set(eventIds);
          for (const write of group) {
            let storedOfWrite = 0;
            for (const event of write.events) {
              // delete: a later copy of the same id (in this request or a later one) was not the one inserted.
              if (inserted.delete(event.eventId)) storedOfWrite++;
            }
            write.resolve(storedOfWrite);
          }
        } catch (error) {
          for (const write of group) write.reject(error);
        }
      }
    } finally {
      this.writing--;
    }
  }

  /** Whether the statements skip known ids now (they assume new ones otherwise). */
  get skippingKnownIds(): boolean {
    return Date.now() < this.skipKnownIdsUntil;
  }

  /**
   * One statement: the one that assumes new ids (a re-sent id makes it fail, and the one that skips known ids runs
   * instead), except for SKIP_KNOWN_IDS_MS after such a failure.
   */
  private async write(events: ValidEvent[], withIds: boolean): Promise<StoredEvents> {
    if (this.skippingKnownIds) return storeEvents(this.pool, events, { withIds });
    const result = await storeEventsAssumingNewIds(this.pool, events, { withIds });
    if (result.fellBack) this.skipKnownIdsUntil = Date.now() + SKIP_KNOWN_IDS_MS;
    return result;
  }
}

const writers = new WeakMap<pg.Pool, IngestWriter>();

/** The one writer of a connection pool (one per app: tests run several apps in one process). */
export function ingestWriterFor(pool: pg.Pool): IngestWriter {
  let writer = writers.get(pool);
  if (!writer) {
    writer = new IngestWriter(pool);
    writers.set(pool, writer);
  }
  return writer;
}
