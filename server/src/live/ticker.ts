import type { Logger } from '@pmd/db';
import type pg from 'pg';
import type { ServerConfig } from '../config.ts';
import type { LiveDatabase } from '../replica/live-replay.ts';
import type { KpiSumsSource } from '../services/sums-source.ts';
import { LatestValue } from './latest-value.ts';
import { ConcurrencyLimit } from './limiter.ts';
import { LiveSums, OlderSumsCache } from './live-sums.ts';
import { MinuteStore } from './minute-store.ts';
import type { LivePubSub } from './pubsub.ts';
import { LiveTurns } from './turns.ts';

/** Updates of one live computation (hence of each of its subscriptions) never come closer than this. */
export const MIN_PUSH_INTERVAL_MS = 1_000;

/**
 * One live computation (kind, window, filter, args) shared by every subscription that asks for the same thing. Data
 * changes bump `version`; `current()` computes at most once per version (and reuses a value for a second), so 500
 * dashboards on the same window cost one query per tick, not 500.
 */
class Ticker<T> {
  readonly subscribers = new Set<LatestValue<T>>();
  private version = 0;
  private cached: { version: number; at: number; value: Promise<T> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastTickAt = 0;
  /** No subscriber left, or the server stops: a computation still waiting for its turn is skipped. */
  disposed = false;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly log: Logger,
    private readonly turns: LiveTurns,
  ) {}

  current(): Promise<T> {
    const cached = this.cached;
    if (cached && cached.version === this.version && Date.now() - cached.at < MIN_PUSH_INTERVAL_MS) return cached.value;
    const value = this.compute();
    this.cached = { version: this.version, at: Date.now(), value };
    // A failed computation must not be served again.
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  /** New data may change the value: recompute at the next tick (at most one tick per second). */
  changed(): void {
    this.version += 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    const wait = Math.max(0, this.lastTickAt + MIN_PUSH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    this.lastTickAt = Date.now();
    const version = this.version;
    try {
      const value = await this.current();
      // A snapshot: subscribers joining or leaving while delivery yields do not disturb it (pushing to one that left
      // does nothing).
      await this.turns.forEach([...this.subscribers], (subscriber) => subscriber.push(value));
    } catch (error) {
      if (!this.disposed) this.log.error({ err: error }, 'live computation failed; subscribers keep their last value');
    } finally {
      this.running = false;
    }
    if (version !== this.version && this.subscribers.size) this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export type LiveLimits = Pick<
  ServerConfig,
  'liveMaxViews' | 'liveMaxSubscriptionsPerConnection' | 'liveMaxSubscriptions' | 'livePoolSize' | 'liveMemoryHours'
>;

/**
 * What a live computation reads: its own sums source (memory, older parts cached) and a pool of the live database that
 * holds every change noted before the computation began.
 */
export interface LiveReads {
  sums: KpiSumsSource;
  pool: pg.Pool;
}

/** A live subscription refused because it would pass one of the limits (named by its environment variable). */
export class LiveViewLimitError extends Error {
  constructor(
    readonly limit: 'LIVE_MAX_VIEWS' | 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION' | 'LIVE_MAX_SUBSCRIPTIONS',
    readonly max: number,
  ) {
    super(
      {
        LIVE_MAX_VIEWS: `this server already runs its maximum of ${max} distinct live views (${limit}); subscribe to one of the running views or try later`,
        LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: `this connection already holds its maximum of ${max} live subscriptions (${limit})`,
        LIVE_MAX_SUBSCRIPTIONS: `this server already holds its maximum of ${max} live subscriptions (${limit}); try later`,
      }[limit],
    );
    this.name = 'LiveViewLimitError';
  }
}

/**
 * The registry of shared live computations of one server process, woken by the database's notifications.
 *
 * Every view sums from one MinuteStore of recent minute rows, refreshed once per tick from what the notifications
 * named; only parts of windows older than its span are read from the database (and cached per view).
 *
 * Fair sharing: live views compute on their own small pool, at most `livePoolSize` at a time, so however many there
 * are, ingest, /health and ordinary reads keep the main pool. Distinct views per process and subscriptions per
 * connection are capped; joining a view that already runs costs no query and never counts against the process cap.
 */
export class LiveTickers {
  private readonly tickers = new Map<string, Ticker<unknown>>();
  private readonly feeds: { return(): unknown }[] = [];
  private readonly computing: ConcurrencyLimit;
  /** Live subscriptions per connection (a websocket, or the request of an SSE stream). */
  private readonly perConnection = new WeakMap<object, number>();
  /** Live subscriptions of the whole process. */
  private subscriptions = 0;
  readonly store: MinuteStore;
  private readonly olderSums = new OlderSumsCache();
  /** Computations and deliveries of every view take turns of the event loop (see turns.ts). */
  private readonly turns = new LiveTurns();

  constructor(
    private readonly pubsub: LivePubSub,
    private readonly log: Logger,
    private readonly options: { database: LiveDatabase; limits: LiveLimits },
  ) {
    this.computing = new ConcurrencyLimit(options.limits.livePoolSize);
    this.store = new MinuteStore(options.database, log, options.limits.liveMemoryHours);
  }

  /** The live views' own pool (created and closed by the app). */
  get pool(): pg.Pool {
    return this.options.database.pool;
  }

  /** Starts following `events:ingested` and `rollups:changed`; the store loads with the first view's first value. */
  start(): void {
    const ingested = this.pubsub.subscribe('events:ingested');
    const rollups = this.pubsub.subscribe('rollups:changed');
    this.feeds.push(ingested, rollups);
    void (async () => {
      for await (const payload of ingested) {
        this.store.noteIngested(payload);
        this.bumpAll();
      }
    })();
    void (async () => {
      for await (const payload of rollups) {
        this.store.noteRollupsChanged(payload);
        this.bumpAll();
      }
    })();
  }

  stop(): void {
    for (const feed of this.feeds.splice(0)) feed.return();
    for (const ticker of this.tickers.values()) ticker.dispose();
  }

  /** Every live value may be stale, of unknown scope (notifications possibly missed while the listener reconnected). */
  changedAll(): void {
    this.store.noteUnknownChange();
    this.bumpAll();
  }

  private bumpAll(): void {
    // Before any computation of the new version starts: it must wait for this change on a standby.
    this.options.database.noteChange();
    for (const ticker of this.tickers.values()) ticker.changed();
  }

  /**
   * A stream of `compute()`'s value: the first at once, then the shared computation's updates after new data, at most
   * one per second. Updates follow the shared tick, not the subscriber's own clock: holding a tick back for a late
   * joiner would phase-lock it a second behind the data for good, so only the first value may precede an update by
   * less than a second.
   *
   * `connection` is what the per-connection cap counts against. Throws LiveViewLimitError at once (not from the
   * stream) when a cap is reached; the slot is taken synchronously, so a burst of subscribes cannot overshoot it.
   */
  subscribe<T>(key: string, connection: object, compute: (reads: LiveReads) => Promise<T>): AsyncIterable<T> {
    const { liveMaxViews, liveMaxSubscriptionsPerConnection, liveMaxSubscriptions } = this.options.limits;
    const held = this.perConnection.get(connection) ?? 0;
    if (held >= liveMaxSubscriptionsPerConnection) {
      throw new LiveViewLimitError('LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', liveMaxSubscriptionsPerConnection);
    }
    if (this.subscriptions >= liveMaxSubscriptions) {
      throw new LiveViewLimitError('LIVE_MAX_SUBSCRIPTIONS', liveMaxSubscriptions);
    }
    let ticker = this.tickers.get(key) as Ticker<T> | undefined;
    if (!ticker) {
      if (this.tickers.size >= liveMaxViews) throw new LiveViewLimitError('LIVE_MAX_VIEWS', liveMaxViews);
      const { database } = this.options;
      const sums = new LiveSums(this.store, database, this.olderSums).source;
      const created: Ticker<T> = new Ticker(
        () =>
          this.computing.run(async () => {
            // One view per turn: a round of 2,000 views must not hold /health and ingest until it ends.
            await this.turns.take();
            if (created.disposed) throw new Error('live view closed');
            return compute({ sums, pool: await database.readable() });
          }),
        this.log,
        this.turns,
      );
      ticker = created;
      this.tickers.set(key, ticker as Ticker<unknown>);
    }
    const joined = ticker;
    const stream: LatestValue<T> = new LatestValue(() => {
      joined.subscribers.delete(stream);
      this.subscriptions--;
      const left = (this.perConnection.get(connection) ?? 1) - 1;
      if (left > 0) this.perConnection.set(connection, left);
      else this.perConnection.delete(connection);
      if (!joined.subscribers.size && this.tickers.get(key) === joined) {
        joined.dispose();
        this.tickers.delete(key);
      }
    });
    joined.subscribers.add(stream);
    this.subscriptions++;
    this.perConnection.set(connection, held + 1);
    joined.current().then(
      // A tick that delivered something newer while the first value was computed wins.
      (first) => {
        if (!stream.received) stream.push(first);
      },
      (error: unknown) => stream.fail(error),
    );
    return stream;
  }

  /** Number of distinct live computations (tests: subscribers with equal arguments share one). */
  get size(): number {
    return this.tickers.size;
  }
}
