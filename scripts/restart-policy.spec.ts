import { describe, expect, it } from 'vitest';
import { createRestartPolicy, DEFAULT_RESTART_POLICY } from './restart-policy.ts';

/** Feeds crashes of runs lasting `runMs` each, one after another, and returns the decisions. */
function crashSeries(runMs: number[]) {
  const policy = createRestartPolicy();
  let now = 0;
  return runMs.map((ms) => {
    const startedAt = now;
    now += ms;
    const decision = policy.crashed(startedAt, now);
    if (decision.restart) now += decision.delayMs;
    return decision;
  });
}

describe('restart policy', () => {
  it('doubles the pause from 0.5 s for crashes in a row, up to 30 s', () => {
    const delays = crashSeries([20_000, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000]).map((decision) =>
      decision.restart ? decision.delayMs : 'gave up',
    );
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('starts again from the first pause after a run that lasted long enough', () => {
    const decisions = crashSeries([20_000, 20_000, DEFAULT_RESTART_POLICY.stableAfterMs, 20_000]);
    expect(decisions.map((decision) => decision.restart && decision.delayMs)).toEqual([500, 1_000, 500, 1_000]);
  });

  it('gives up on the fifth crash within a minute', () => {
    const decisions = crashSeries([100, 100, 100, 100, 100]);
    expect(decisions.map((decision) => decision.restart)).toEqual([true, true, true, true, false]);
    expect(decisions.at(-1)).toEqual({ restart: false, crashesInWindow: 5 });
  });

  it('forgets crashes older than the window', () => {
    // Runs of 25 s: crashes at 25 s, 50.5 s, 76.5 s, … never five within 60 s.
    const decisions = crashSeries(Array.from({ length: 12 }, () => 25_000));
    expect(decisions.every((decision) => decision.restart)).toBe(true);
    expect(Math.max(...decisions.map((decision) => decision.crashesInWindow))).toBeLessThan(5);
  });
});
