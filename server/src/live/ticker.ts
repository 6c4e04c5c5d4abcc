import type { Logger } from '@pmd/db';
import { Repeater, SlidingBuffer } from 'graphql-yoga';
import type { LivePubSub } from './pubsub.ts';

/** Updates of one live computation (hence of each of its subscriptions) never come closer than this. */
export const MIN_PUSH_INTERVAL_MS = 1_000;

interface Subscriber<T> {
  push(value: T): void;
  /** False until the subscriber got its first value; a tick's value arriving before that replaces it. */
  ready: boolean;
  pending: { value: T } | undefined;
}

function deliver<T>(subscriber: Subscriber<T>, value: T): void {
  if (subscriber.ready) subscriber.push(value);
  else subscriber.pending = { value };
}

/**
 * One live computation (kind, window, filter, args) shared by every subscription that asks for the same thing. Data
 * changes bump `version`; `current()` computes at most once per version (and reuses a value for a second), so 500
 * dashboards on the same window cost one query per tick, not 500.
 */
class Ticker<T> {
  readonly subscribers = new Set<Subscriber<T>>();
  private version = 0;
  private cached: { version: number; at: number; value: Promise<T> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastTickAt = 0;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly log: Logger,
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
      for (const subscriber of this.subscribers) deliver(subscriber, value);
    } catch (error) {
      this.log.error({ err: error }, 'live computation failed; subscribers keep their last value');
    } finally {
      this.running = false;
    }
    if (version !== this.version && this.subscribers.size) this.schedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The registry of shared live computations of one server process, woken by the database's notifications. */
export class LiveTickers {
  private readonly tickers = new Map<string, Ticker<unknown>>();
  private readonly feeds: { return(): unknown }[] = [];

  constructor(
    private readonly pubsub: LivePubSub,
    private readonly log: Logger,
  ) {}

  /** Starts following `events:ingested` and `rollups:changed`. */
  start(): void {
    for (const topic of ['events:ingested', 'rollups:changed'] as const) {
      const feed = this.pubsub.subscribe(topic);
      this.feeds.push(feed);
      void (async () => {
        for await (const _ of feed) this.changedAll();
      })();
    }
  }

  stop(): void {
    for (const feed of this.feeds.splice(0)) feed.return();
    for (const ticker of this.tickers.values()) ticker.dispose();
  }

  /** Every live value may be stale (new data, or notifications possibly missed while the listener reconnected). */
  changedAll(): void {
    for (const ticker of this.tickers.values()) ticker.changed();
  }

  /**
   * A stream of `compute()`'s value: the first at once, then the shared computation's updates after new data, at most
   * one per second. Updates follow the shared tick, not the subscriber's own clock: holding a tick back for a late
   * joiner would phase-lock it a second behind the data for good, so only the first value may precede an update by
   * less than a second.
   */
  subscribe<T>(key: string, compute: () => Promise<T>): AsyncIterable<T> {
    return new Repeater<T>(async (push, stop) => {
      let ticker = this.tickers.get(key) as Ticker<T> | undefined;
      if (!ticker) {
        ticker = new Ticker(compute, this.log);
        this.tickers.set(key, ticker as Ticker<unknown>);
      }
      const subscriber: Subscriber<T> = { push: (value) => void push(value), ready: false, pending: undefined };
      ticker.subscribers.add(subscriber);
      try {
        const first = await ticker.current();
        // A tick that delivered something newer while the first value was computed wins.
        const value = subscriber.pending ? subscriber.pending.value : first;
        subscriber.pending = undefined;
        void push(value);
        subscriber.ready = true;
      } catch (error) {
        stop(error);
      }
      await stop;
      ticker.subscribers.delete(subscriber);
      if (!ticker.subscribers.size && this.tickers.get(key) === ticker) {
        ticker.dispose();
        this.tickers.delete(key);
      }
    }, new SlidingBuffer(1));
  }

  /** Number of distinct live computations (tests: subscribers with equal arguments share one). */
  get size(): number {
    return this.tickers.size;
  }
}
