import { describe, expect, it } from 'vitest';
import { inBacktestTurn, MAX_CONCURRENT_BACKTESTS } from './alert-backtest.ts';

describe('inBacktestTurn', () => {
  it(`runs at most ${MAX_CONCURRENT_BACKTESTS} backtests at once, the rest in arrival order, and frees turns on failure`, async () => {
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const task = (id: number, fail = false) =>
      inBacktestTurn(async () => {
        started.push(id);
        active += 1;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => finish.push(resolve));
        active -= 1;
        if (fail) throw new Error(`task ${id} failed`);
        return id;
      });
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    const results = [task(1, true), task(2), task(3), task(4), task(5)].map((p) => p.catch((e: Error) => e.message));
    await flush();
    expect(started).toEqual([1, 2]);
    finish.shift()!();
    await flush();
    expect(started).toEqual([1, 2, 3]);
    while (finish.length) {
      finish.shift()!();
      await flush();
    }
    expect(await Promise.all(results)).toEqual(['task 1 failed', 2, 3, 4, 5]);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(MAX_CONCURRENT_BACKTESTS);
    // Every turn was given back: a new batch starts at once, up to the limit again.
    const again = [task(6), task(7), task(8)];
    await flush();
    expect(started.slice(5)).toEqual([6, 7]);
    while (finish.length) {
      finish.shift()!();
      await flush();
    }
    expect(await Promise.all(again)).toEqual([6, 7, 8]);
  });
});
