import { createLogger, createPool } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLivePubSub } from '../src/live/pubsub.ts';
import { LiveTickers } from '../src/live/ticker.ts';
import { primaryLiveDatabase } from '../src/replica/live-replay.ts';
import { DELIVERY_CHUNK } from '../src/live/turns.ts';

/**
 * Counts turns of the event loop: one increment per loop iteration (an immediate scheduled from an immediate runs in
 * the next iteration). What happened under the same count happened without the loop serving I/O in between.
 */
function turnCounter() {
  let turn = 0;
  let running = true;
  const step = () => {
    turn += 1;
    if (running) setImmediate(step);
  };
  setImmediate(step);
  return {
    get turn() {
      return turn;
    },
    stop: () => (running = false),
  };
}

/** How many things happened in each turn (by the turn counter's value when they happened). */
function perTurn(turns: number[]): number[] {
  const counts = new Map<number, number>();
  for (const turn of turns) counts.set(turn, (counts.get(turn) ?? 0) + 1);
  return [...counts.values()];
}

describe('live views take turns of the event loop', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  let tickers: LiveTickers;

  beforeAll(() => {
    pool = createPool(database.url, { max: 4 });
  });
  afterEach(() => tickers?.stop());
  afterAll(async () => {
    await pool.end();
  });

  const start = () => {
    tickers = new LiveTickers(createLivePubSub(), createLogger('live-turns'), {
      database: primaryLiveDatabase(pool),
      limits: {
        liveMaxViews: 100,
        liveMaxSubscriptionsPerConnection: 1_000,
        liveMaxSubscriptions: 100_000,
        livePoolSize: 4,
        liveMemoryHours: 1,
      },
    });
    return tickers;
  };

  it(`a push to many subscribers is delivered ${DELIVERY_CHUNK} per turn`, async () => {
    const tickers = start();
    let computed = 0;
    const connection = {};
    const subscribers = 2 * DELIVERY_CHUNK + 50;
    const streams = Array.from({ length: subscribers }, () =>
      tickers.subscribe('one view', connection, async () => ({ computed: ++computed }))[Symbol.asyncIterator](),
    );
    const firsts = await Promise.all(streams.map((stream) => stream.next()));
    expect(new Set(firsts.map((first) => (first.value as { computed: number }).computed))).toEqual(new Set([1]));

    const counter = turnCounter();
    try {
      const receivedIn: number[] = [];
      const updates = streams.map((stream) =>
        stream.next().then((update) => {
          receivedIn.push(counter.turn);
          return update.value as { computed: number };
        }),
      );
      tickers.changedAll();
      const values = await Promise.all(updates);
      expect(new Set(values.map((value) => value.computed))).toEqual(new Set([2]));
      const chunks = perTurn(receivedIn);
      expect(chunks.length, 'turns the delivery took').toBeGreaterThanOrEqual(Math.ceil(subscribers / DELIVERY_CHUNK));
      expect(Math.max(...chunks), 'deliveries in one turn').toBeLessThanOrEqual(DELIVERY_CHUNK);
    } finally {
      counter.stop();
      await Promise.all(streams.map((stream) => stream.return?.()));
    }
  });

  it('views computing at the same time start each in a turn of its own', async () => {
    const tickers = start();
    const counter = turnCounter();
    const startedIn: number[] = [];
    const subscribe = (view: string) =>
      tickers.subscribe(view, {}, async () => {
        startedIn.push(counter.turn);
        return { view };
      });
    const streams = ['a', 'b', 'c', 'd'].map((view) => subscribe(view)[Symbol.asyncIterator]());
    try {
      await Promise.all(streams.map((stream) => stream.next()));
      expect(startedIn).toHaveLength(4);
      expect(new Set(startedIn).size, `turns of the computations (${startedIn.join(', ')})`).toBe(4);
    } finally {
      counter.stop();
      await Promise.all(streams.map((stream) => stream.return?.()));
    }
  });

  it('a slow subscriber holds only the newest value', async () => {
    const tickers = start();
    let computed = 0;
    const stream = tickers.subscribe('slow', {}, async () => ({ computed: ++computed }))[Symbol.asyncIterator]();
    const fast = tickers.subscribe('slow', {}, async () => ({ computed: ++computed }))[Symbol.asyncIterator]();
    try {
      expect((await stream.next()).value).toEqual({ computed: 1 });
      expect((await fast.next()).value).toEqual({ computed: 1 });
      // Two pushes (each a second after the previous one) while `stream` reads nothing.
      for (const expected of [2, 3]) {
        tickers.changedAll();
        expect((await fast.next()).value).toEqual({ computed: expected });
      }
      expect((await stream.next()).value).toEqual({ computed: 3 });
    } finally {
      await Promise.all([stream.return?.(), fast.return?.()]);
    }
    expect(tickers.size).toBe(0);
  });
});
