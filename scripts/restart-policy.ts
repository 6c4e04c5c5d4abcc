/**
 * When the supervisor restarts a process that died, and when it stops trying. Pure (the caller passes the clock), so
 * the spec can walk through crash sequences without waiting.
 */
export interface RestartPolicyOptions {
  /** Pause before the first restart; doubles with each crash in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long counts as healthy: the next crash starts again from the first pause. */
  stableAfterMs: number;
  /** This many crashes within `crashWindowMs` is a crash loop: restarting again would only repeat it. */
  maxCrashes: number;
  crashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

export type RestartDecision =
  { restart: true; delayMs: number; crashesInWindow: number } | { restart: false; crashesInWindow: number };

export interface RestartPolicy {
  /** Records a crash of a run that began at `startedAt` and ended at `now`, and says what to do. */
  crashed(startedAt: number, now: number): RestartDecision;
}

export function createRestartPolicy(options: RestartPolicyOptions = DEFAULT_RESTART_POLICY): RestartPolicy {
  let crashTimes: number[] = [];
  let inARow = 0;
  return {
    crashed(startedAt, now) {
      if (now - startedAt >= options.stableAfterMs) inARow = 0;
      inARow++;
      crashTimes = [...crashTimes.filter((time) => now - time < options.crashWindowMs), now];
      if (crashTimes.length >= options.maxCrashes) return { restart: false, crashesInWindow: crashTimes.length };
      const delayMs = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (inARow - 1));
      return { restart: true, delayMs, crashesInWindow: crashTimes.length };
    },
  };
}
