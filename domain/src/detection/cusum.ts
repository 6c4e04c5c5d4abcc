/**
 * Page's CUSUM for a rate that may have dropped, on per-minute counts (x successes of n trials, e.g. clicks of
 * impressions), pure. Each minute adds its log-likelihood ratio of "the rate is p1 = p0 × (1 − drop)" against "the rate
 * is still p0"; the caller fires when the drop statistic S = max(0, S + llr) reaches its threshold. It accumulates evidence minute by minute
 * instead of waiting for a fixed window to fill, so a clear drop on high volume fires after a minute or two and a
 * faint one waits exactly as long as its evidence needs; on steady traffic S keeps falling back to 0.
 *
 * The recovery statistic R = min(recoveryThreshold, max(0, R − llr)) is the mirror image: evidence for p0 against p1.
 * An open alert resolves when R reaches `recoveryThreshold`; it starts at 0 when an alert is open (recovery must be
 * shown inside the lookback, so minutes without traffic never resolve anything) and at its cap otherwise.
 *
 * The run is recomputed from the lookback's minutes at every tick (no state is stored between runs): the same minutes
 * give the same verdict, so reruns, late events and concurrent runs need nothing special.
 */

export interface MinuteCount {
  /** Successes (the rate's numerator) and trials (its denominator) in that minute. */
  x: number;
  n: number;
}

export interface CusumParameters {
  /** The rate before any drop. */
  p0: number;
  /** The relative drop the test looks for (0.3: p1 = 0.7 × p0). */
  drop: number;
  /** R at which an open alert's metric counts as recovered (nats). */
  recoveryThreshold: number;
  /** Whether an alert is open (R starts at 0 instead of at its cap). */
  open: boolean;
}

export interface CusumResult {
  /** The drop statistic after the last minute. */
  s: number;
  /** Index of the first minute of S's current excursion above 0 (minutes.length when S is 0). */
  sStart: number;
  /** The recovery statistic after the last minute. */
  r: number;
  /** Index of the first minute of R's current excursion above 0 (minutes.length when R is 0). */
  rStart: number;
}

/** Log-likelihood ratio of p1 against p0 for x successes in n trials. */
export function bernoulliLlr(x: number, n: number, p0: number, p1: number): number {
  return x * Math.log(p1 / p0) + (n - x) * Math.log((1 - p1) / (1 - p0));
}

/** Runs both statistics over `minutes` (in time order). p0 must be in (0, 1). */
export function cusumDrop(minutes: readonly MinuteCount[], parameters: CusumParameters): CusumResult {
  const { p0, drop, recoveryThreshold, open } = parameters;
  const p1 = p0 * (1 - drop);
  let s = 0;
  let sStart = 0;
  let r = open ? 0 : recoveryThreshold;
  let rStart = 0;
  minutes.forEach((m, i) => {
    const llr = bernoulliLlr(m.x, m.n, p0, p1);
    if (s === 0) sStart = i;
    s = Math.max(0, s + llr);
    if (r === 0) rStart = i;
    r = Math.min(recoveryThreshold, Math.max(0, r - llr));
  });
  // S's (R's) excursion starts at the first minute after it last stood at 0.
  return {
    s,
    sStart: s > 0 ? sStart : minutes.length,
    r,
    rStart: r > 0 ? rStart : minutes.length,
  };
}
