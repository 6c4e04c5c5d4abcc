import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEALTH_THRESHOLDS,
  healthOf,
  HEALTH_EVIDENCE,
  judgeRatio,
  judgingMinutes,
  wilsonUpperBound,
} from './health.ts';

const sums = (impressions: number, clicks: number, signups: number, activations: number) => ({
  impressions,
  clicks,
  signups,
  activations,
});

describe('wilsonUpperBound', () => {
  it('has the textbook values', () => {
    // 0 successes: z² / (n + z²) exactly.
    expect(wilsonUpperBound(0, 200)).toBeCloseTo(3.8416 / 203.8416, 15);
    expect(wilsonUpperBound(0, 10)).toBeCloseTo(3.8416 / 13.8416, 15);
    // All successes: the bound is 1.
    expect(wilsonUpperBound(20, 20)).toBeCloseTo(1, 15);
    // Worked by hand at z = 1.96: (p + z²/2n + z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    expect(wilsonUpperBound(3, 200)).toBeCloseTo(0.043166480556279, 12);
    expect(wilsonUpperBound(2, 19)).toBeCloseTo(0.313945504948417, 12);
    expect(wilsonUpperBound(8, 20)).toBeCloseTo(0.613422057684794, 12);
    expect(wilsonUpperBound(15, 1000)).toBeCloseTo(0.024601194791602, 12);
  });

  it('is the rate the score test just fails to reject: (p̂ − u)² = z² u (1 − u) / n', () => {
    for (const [successes, trials] of [
      [1, 7],
      [3, 200],
      [40, 100],
      [999, 1000],
    ] as const) {
      const u = wilsonUpperBound(successes, trials)!;
      const p = successes / trials;
      expect(u).toBeGreaterThan(p);
      expect((p - u) ** 2).toBeCloseTo((HEALTH_EVIDENCE.z ** 2 * u * (1 - u)) / trials, 14);
    }
  });

  it('is null without trials', () => {
    expect(wilsonUpperBound(0, 0)).toBeNull();
  });
});

describe('judgeRatio and healthOf', () => {
  const t = DEFAULT_HEALTH_THRESHOLDS;

  it('says "not enough data" below the minimum volume, whatever the ratio', () => {
    const check = judgeRatio('signupToActivation', sums(0, 0, 3, 0), t, 80);
    expect(check).toMatchObject({ verdict: 'NOT_ENOUGH_DATA', value: 0, denominator: 3, minDenominator: 20 });
    expect(check.reason).toBe('signup → activation: 3 signups in the last 80 min, needs 20');
    expect(judgeRatio('signupToActivation', sums(0, 0, 0, 0), t, 60).reason).toBe(
      'signup → activation: 0 signups in the last 1 h, needs 20',
    );
    expect(judgeRatio('ctr', sums(199, 199, 0, 0), t, 15).verdict).toBe('NOT_ENOUGH_DATA');
  });

  it('says "not enough data" when the ratio is below but its upper bound is not', () => {
    const check = judgeRatio('ctr', sums(200, 3, 0, 0), t, 15);
    expect(check.verdict).toBe('NOT_ENOUGH_DATA');
    expect(check.reason).toBe(
      'CTR 1.5% from 200 impressions in the last 15 min: could still be 4.3% (95% upper bound), threshold 2.0%',
    );
  });

  it('is BELOW only when the upper bound is below the threshold', () => {
    const check = judgeRatio('ctr', sums(1000, 15, 0, 0), { ...t, minCtr: 0.025 }, 15);
    expect(check.upperBound).toBeCloseTo(0.024601194791602, 12);
    expect(check.verdict).toBe('BELOW');
    expect(check.reason).toBe(
      'CTR 1.5% from 1,000 impressions in the last 15 min: at most 2.5% (95% upper bound), below 2.5%',
    );
    // The same observation against the default 2 % is not convincing (the bound 2.46 % is above it).
    expect(judgeRatio('ctr', sums(1000, 15, 0, 0), t, 15).verdict).toBe('NOT_ENOUGH_DATA');
  });

  it('is OK at or above the threshold with enough volume', () => {
    expect(judgeRatio('signupToActivation', sums(0, 0, 20, 8), t, 15)).toMatchObject({ verdict: 'OK', reason: null });
  });

  it('combines: At Risk beats Not enough data beats Healthy', () => {
    const ok = judgeRatio('ctr', sums(1000, 50, 0, 0), t, 15);
    const unsure = judgeRatio('signupToActivation', sums(0, 0, 3, 0), t, 80);
    const below = judgeRatio('signupToActivation', sums(0, 0, 100, 10), t, 80);
    expect(healthOf([ok, judgeRatio('signupToActivation', sums(0, 0, 40, 30), t, 80)])).toMatchObject({
      status: 'HEALTHY',
      reasons: [],
    });
    expect(healthOf([ok, unsure])).toMatchObject({ status: 'NOT_ENOUGH_DATA', reasons: [unsure.reason] });
    expect(healthOf([judgeRatio('ctr', sums(10, 0, 0, 0), t, 15), below])).toMatchObject({
      status: 'AT_RISK',
      reasons: [below.reason],
    });
  });
});

describe('judgingMinutes', () => {
  it('is k × the p90 delay, at least the floor and the view, at most the cap', () => {
    // signup → activation with a p90 of 8 minutes is judged over the last 80 minutes.
    expect(judgingMinutes(15, 480)).toBe(80);
    expect(judgingMinutes(120, 480)).toBe(120);
    expect(judgingMinutes(5, 3)).toBe(HEALTH_EVIDENCE.minJudgingMinutes);
    expect(judgingMinutes(15, 10 * 86_400)).toBe(HEALTH_EVIDENCE.maxJudgingMinutes);
    expect(judgingMinutes(7 * 1440, 10 * 86_400)).toBe(7 * 1440);
  });
});
