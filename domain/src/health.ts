import type { EventTypeName, KpiSums } from './metrics.ts';

/**
 * The campaign health rule: a row is At Risk only when the data convincingly shows a ratio below its threshold, "Not
 * enough data" when it cannot tell, Healthy otherwise. A bare period ratio misleads twice: on tiny denominators
 * (0 signups → 0 % → "below 0.4") and when the step's events come minutes after the previous step's (a 15-minute
 * window holds the signups but not yet their activations). The first is handled here with a minimum volume and a
 * confidence bound; the second by the caller, who judges each ratio over a window long enough for its step's delay
 * (`judgingMinutes`).
 */

/** The original's thresholds ("At Risk" when CTR < 0.02 or signup → activation < 0.4); the server may configure them. */
export const DEFAULT_HEALTH_THRESHOLDS = { minCtr: 0.02, minSignupToActivation: 0.4 };
export type HealthThresholds = typeof DEFAULT_HEALTH_THRESHOLDS;

/** A funnel step: the event that follows a previous one for the same user and campaign. */
export interface ConversionStep {
  readonly from: EventTypeName;
  readonly to: EventTypeName;
  readonly label: string;
  /**
   * Seconds assumed for the step's 90th-percentile delay when the data has too few pairs to measure it: generous,
   * since too long a judging window only makes the status slower, too short a one makes it wrong.
   */
  readonly fallbackP90Seconds: number;
}

export const CONVERSION_STEPS = {
  impressionToClick: { from: 'ad_impression', to: 'ad_click', label: 'impression → click', fallbackP90Seconds: 60 },
  clickToSignup: { from: 'ad_click', to: 'signup', label: 'click → signup', fallbackP90Seconds: 600 },
  signupToActivation: { from: 'signup', to: 'activation', label: 'signup → activation', fallbackP90Seconds: 1_800 },
} as const satisfies Record<string, ConversionStep>;
export type ConversionStepName = keyof typeof CONVERSION_STEPS;
export const CONVERSION_STEP_NAMES = Object.keys(CONVERSION_STEPS) as ConversionStepName[];

/** The ratios the health rule judges: each with its counters, its threshold and the step whose delay it waits for. */
export const HEALTH_RATIOS = {
  ctr: {
    label: 'CTR',
    numerator: 'clicks',
    denominator: 'impressions',
    denominatorLabel: 'impressions',
    threshold: 'minCtr',
    step: 'impressionToClick',
    // At the 2 % threshold 200 impressions expect 4 clicks: fewer and one click more or less swings the ratio by 25 %.
    minDenominator: 200,
  },
  signupToActivation: {
    label: 'signup → activation',
    numerator: 'activations',
    denominator: 'signups',
    denominatorLabel: 'signups',
    threshold: 'minSignupToActivation',
    step: 'signupToActivation',
    // At the 0.4 threshold 20 signups expect 8 activations.
    minDenominator: 20,
  },
} as const satisfies Record<
  string,
  {
    label: string;
    numerator: keyof KpiSums;
    denominator: keyof KpiSums;
    denominatorLabel: string;
    threshold: keyof HealthThresholds;
    step: ConversionStepName;
    minDenominator: number;
  }
>;
export type HealthRatioName = keyof typeof HEALTH_RATIOS;
export const HEALTH_RATIO_NAMES = Object.keys(HEALTH_RATIOS) as HealthRatioName[];

/**
 * How sure "below the threshold" must be, and how long a ratio is judged over.
 *
 * `judgingDelayFactor` (k): a period ratio counts the step events of the window over the previous-step events of the
 * window, so where traffic changes (a campaign starting, the first half hour after install, a burst) the events still
 * on their way are missing and the ratio is biased low by about delay / window. Judging over at least k × the step's
 * p90 delay keeps that bias under 1/k of the ratio for 90 % of the step's events (the mean delay is below the p90):
 * with k = 10, a campaign at 0.75 can look no worse than ≈ 0.68, far from 0.4, while a drop that lasts ten delays is
 * still caught within the judging window. `minJudgingMinutes` is the floor (a few minutes of data say little even
 * when delays are seconds); `maxJudgingMinutes` bounds the extra read when a step's delay is long.
 */
export const HEALTH_EVIDENCE = {
  confidence: 0.95,
  /** The two-sided 95 % normal quantile: the Wilson bound at z = 1.96 is the usual 95 % interval's upper end. */
  z: 1.96,
  judgingDelayFactor: 10,
  minJudgingMinutes: 15,
  maxJudgingMinutes: 24 * 60,
};

/**
 * The upper end of the Wilson score interval of `successes` out of `trials` at normal quantile `z`: the largest true
 * rate the observation is still plausible under. Unlike the normal approximation it stays inside [0, 1] and is honest
 * for 0 successes (0 of 200 at z = 1.96 could still be 1.9 %). Null without trials.
 */
export function wilsonUpperBound(successes: number, trials: number, z: number = HEALTH_EVIDENCE.z): number | null {
  if (trials <= 0) return null;
  const p = Math.min(1, Math.max(0, successes / trials));
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.min(1, (centre + spread) / (1 + z2 / trials));
}

export type HealthStatus = 'HEALTHY' | 'AT_RISK' | 'NOT_ENOUGH_DATA';
/** One ratio's verdict: `BELOW` convincingly, `OK` at or above the threshold, `NOT_ENOUGH_DATA` when it cannot tell. */
export type HealthVerdict = 'OK' | 'BELOW' | 'NOT_ENOUGH_DATA';

export interface HealthCheck {
  ratio: HealthRatioName;
  verdict: HealthVerdict;
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null without a denominator. */
  value: number | null;
  /** The Wilson upper bound at HEALTH_EVIDENCE.z, or null without a denominator. */
  upperBound: number | null;
  threshold: number;
  minDenominator: number;
  /** How long the sums were collected over (minutes, ending at the view's end). */
  judgedOverMinutes: number;
  /** Why, in words (null when OK). */
  reason: string | null;
}

export interface Health {
  status: HealthStatus;
  /** The reasons of the checks that decided the status: the BELOW ones when At Risk, else the inconclusive ones. */
  reasons: string[];
  checks: HealthCheck[];
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
// One formatter for every call: building an Intl.NumberFormat costs far more than formatting with it (live views judge
// health for every breakdown row at every tick).
const countFormat = new Intl.NumberFormat('en-US');
const count = (value: number) => countFormat.format(value);

function judgedOver(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.round(minutes)} min`;
}

/** One ratio judged on sums collected over `judgedOverMinutes`. */
export function judgeRatio(
  ratio: HealthRatioName,
  sums: Pick<KpiSums, 'impressions' | 'clicks' | 'signups' | 'activations'>,
  thresholds: HealthThresholds,
  judgedOverMinutes: number,
): HealthCheck {
  const definition = HEALTH_RATIOS[ratio];
  const numerator = sums[definition.numerator];
  const denominator = sums[definition.denominator];
  const threshold = thresholds[definition.threshold];
  const { minDenominator, label } = definition;
  const value = denominator > 0 ? numerator / denominator : null;
  const upperBound = wilsonUpperBound(numerator, denominator);
  const over = `in the last ${judgedOver(judgedOverMinutes)}`;
  const base = { ratio, numerator, denominator, value, upperBound, threshold, minDenominator, judgedOverMinutes };
  if (denominator < minDenominator) {
    const reason = `${label}: ${count(denominator)} ${definition.denominatorLabel} ${over}, needs ${count(minDenominator)}`;
    return { ...base, verdict: 'NOT_ENOUGH_DATA', reason };
  }
  const observed = `${label} ${percent(value!)} from ${count(denominator)} ${definition.denominatorLabel} ${over}`;
  const bound = `${Math.round(HEALTH_EVIDENCE.confidence * 100)}% upper bound`;
  if (value! >= threshold) return { ...base, verdict: 'OK', reason: null };
  if (upperBound! < threshold) {
    return {
      ...base,
      verdict: 'BELOW',
      reason: `${observed}: at most ${percent(upperBound!)} (${bound}), below ${percent(threshold)}`,
    };
  }
  return {
    ...base,
    verdict: 'NOT_ENOUGH_DATA',
    reason: `${observed}: could still be ${percent(upperBound!)} (${bound}), threshold ${percent(threshold)}`,
  };
}

/** The row's status from its checks: At Risk when any ratio is convincingly below, else Not enough data when any
 * ratio cannot tell, else Healthy. */
export function healthOf(checks: HealthCheck[]): Health {
  const reasonsOf = (verdict: HealthVerdict) =>
    checks.filter((check) => check.verdict === verdict).map((check) => check.reason!);
  const below = reasonsOf('BELOW');
  if (below.length) return { status: 'AT_RISK', reasons: below, checks };
  const unsure = reasonsOf('NOT_ENOUGH_DATA');
  if (unsure.length) return { status: 'NOT_ENOUGH_DATA', reasons: unsure, checks };
  return { status: 'HEALTHY', reasons: [], checks };
}

/**
 * How long a ratio is judged over: the view's own length, at least k × its step's p90 delay and the floor, at most
 * the cap (and never shorter than the view).
 */
export function judgingMinutes(viewMinutes: number, stepP90Seconds: number): number {
  const { judgingDelayFactor, minJudgingMinutes, maxJudgingMinutes } = HEALTH_EVIDENCE;
  const forDelay = Math.ceil((judgingDelayFactor * stepP90Seconds) / 60);
  return Math.max(viewMinutes, Math.min(maxJudgingMinutes, Math.max(minJudgingMinutes, forDelay)));
}
