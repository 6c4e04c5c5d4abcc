import { binomial, seededRandom } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { bernoulliLlr, cusumDrop, type MinuteCount } from '@pmd/domain/detection';

const P0 = 0.028;
const params = { p0: P0, drop: 0.3, recoveryThreshold: 3, open: false };

/** `count` minutes of `n` trials at rate `p`, successes rounded (deterministic). */
const exact = (count: number, n: number, p: number): MinuteCount[] =>
  Array.from({ length: count }, () => ({ x: Math.round(n * p), n }));

/** The first index after which S ≥ threshold (or -1). */
function firesAfter(minutes: MinuteCount[], threshold: number, open = false): number {
  for (let i = 1; i <= minutes.length; i++) {
    if (cusumDrop(minutes.slice(0, i), { ...params, open }).s >= threshold) return i;
  }
  return -1;
}

describe('bernoulliLlr', () => {
  it('is positive for a count that fits the dropped rate better, negative for one that fits p0', () => {
    expect(bernoulliLlr(5, 300, P0, P0 * 0.7)).toBeGreaterThan(0);
    expect(bernoulliLlr(9, 300, P0, P0 * 0.7)).toBeLessThan(0);
    expect(bernoulliLlr(0, 0, P0, P0 * 0.7)).toBe(0);
  });
});

describe('cusumDrop', () => {
  it('stays at 0 on steady traffic at the baseline rate', () => {
    const run = cusumDrop(exact(120, 300, P0), params);
    expect(run).toEqual({ s: 0, sStart: 120, r: 3, rStart: 0 });
  });

  it('detects a 45 % drop at 10× the generator volume within 2 minutes, its excursion starting at the onset', () => {
    const minutes = [...exact(30, 3000, P0), ...exact(10, 3000, P0 * 0.55)];
    const fired = firesAfter(minutes, 10);
    expect(fired).toBeGreaterThan(30);
    expect(fired - 30).toBeLessThanOrEqual(2);
    expect(cusumDrop(minutes.slice(0, fired), params).sStart).toBe(30);
  });

  it('detects the same drop at 1× after the evidence accumulates (about a nat a minute), not at once', () => {
    const minutes = [...exact(30, 300, P0), ...exact(30, 300, P0 * 0.55)];
    const fired = firesAfter(minutes, 10);
    expect(fired - 30).toBeGreaterThan(5);
    expect(fired - 30).toBeLessThanOrEqual(15);
  });

  it('never reaches a threshold of 10 over 7 days of binomial noise at 5 impressions/s (seeded)', () => {
    const random = seededRandom(14);
    const minutes = Array.from({ length: 7 * 24 * 60 }, () => ({ n: 300, x: 0 }));
    for (const m of minutes) m.x = binomial(random, m.n, P0);
    let s = 0;
    let max = 0;
    for (const m of minutes) {
      s = Math.max(0, s + bernoulliLlr(m.x, m.n, P0, P0 * 0.7));
      max = Math.max(max, s);
    }
    expect(max).toBeGreaterThan(1); // the noise does move it
    expect(max).toBeLessThan(10);
  });

  it('builds evidence of recovery only after an alert opened, from the recovery on', () => {
    const drop = exact(20, 3000, P0 * 0.55);
    const recovered = exact(5, 3000, P0);
    const during = cusumDrop(drop, { ...params, open: true });
    expect(during.r).toBe(0);
    const after = cusumDrop([...drop, ...recovered], { ...params, open: true });
    expect(after.r).toBe(3);
    expect(after.rStart).toBe(20);
    // Minutes without traffic are no evidence either way.
    expect(cusumDrop([...drop, ...exact(5, 0, 0)], { ...params, open: true }).r).toBe(0);
  });
});
