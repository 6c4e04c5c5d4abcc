import type { DetectionRule } from '../alert-rules.ts';
import { ALERT_METRIC_BY_NAME } from '../alerts.ts';
import { COUNTER_NAMES, type KpiSums } from '../metrics.ts';
import { evaluateRule, ruleRanges } from './evaluate.ts';
import { type AlertPhase, decideTransition } from './transitions.ts';

/**
 * A rule replayed over past minutes, pure: at every minute tick of [from, to) each campaign+channel is judged exactly
 * as the worker's anomaly_alerts run would have judged it then (same evaluateRule, same state machine, same choice
 * of which keys to judge), from the per-minute rollup rows. The answer is how often and when it would have fired.
 */

const MINUTE = 60_000;

/** One campaign+channel's per-minute sums, in time order, covering [backtestHistoryStart(rule, from), to). */
export interface BacktestSeries {
  campaignId: string;
  channel: string;
  minutes: readonly { minute: number; sums: KpiSums }[];
}

/** One alert the rule would have raised. */
export interface BacktestEpisode {
  campaignId: string;
  channel: string;
  /** When the condition started to hold, for a rule with a pending period (else null). */
  pendingAt: number | null;
  firedAt: number;
  /** When it would have resolved; null when it would still be open at the end. */
  resolvedAt: number | null;
  /** Its values when it fired, and the worst value while it was open. */
  firedValue: number;
  baselineValue: number;
  worstValue: number;
}

export interface BacktestResult {
  /** Minute ticks replayed. */
  ticks: number;
  /** Campaign+channel series judged. */
  keys: number;
  /** Alerts it would have fired (all of them, even past maxEpisodes). */
  fired: number;
  /** The first maxEpisodes of them, in firing order. */
  episodes: BacktestEpisode[];
  truncated: boolean;
}

/** The earliest minute a backtest starting at `from` reads: the baseline (or the window) of its first tick. */
export function backtestHistoryStart(rule: DetectionRule, from: number): number {
  const ranges = ruleRanges(rule, from);
  return Math.min(ranges.baselineStart, ranges.windowStart);
}

/** Sums of a sparse per-minute series over [start, end) in O(log n), from prefix sums per counter. */
class SeriesIndex {
  private readonly starts: Float64Array;
  private readonly prefix: Record<keyof KpiSums, Float64Array>;

  constructor(readonly minutes: BacktestSeries['minutes']) {
    this.starts = Float64Array.from(minutes, (m) => m.minute);
    this.prefix = Object.fromEntries(
      COUNTER_NAMES.map((name) => {
        const sums = new Float64Array(minutes.length + 1);
        minutes.forEach((m, i) => (sums[i + 1] = sums[i]! + m.sums[name]));
        return [name, sums];
      }),
    ) as Record<keyof KpiSums, Float64Array>;
  }

  /** Index of the first minute at or after `t`. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  sum(start: number, end: number): KpiSums {
    const a = this.lowerBound(start);
    const b = this.lowerBound(end);
    return Object.fromEntries(COUNTER_NAMES.map((n) => [n, this.prefix[n][b]! - this.prefix[n][a]!])) as KpiSums;
  }
}

export function backtestRule(
  rule: DetectionRule,
  series: readonly BacktestSeries[],
  from: number,
  to: number,
  maxEpisodes = 500,
): BacktestResult {
  const worse = ALERT_METRIC_BY_NAME[rule.metric].direction === 'drop' ? Math.min : Math.max;
  const all: BacktestEpisode[] = [];
  let ticks = 0;
  const record = (episode: BacktestEpisode) => all.push(episode);
  for (const key of series) {
    const index = new SeriesIndex(key.minutes);
    let phase: AlertPhase = { kind: 'none' };
    let current: BacktestEpisode | null = null;
    let lastResolved: number | null = null;
    ticks = 0;
    for (let tick = from; tick < to; tick += MINUTE) {
      ticks += 1;
      const ranges = ruleRanges(rule, tick);
      const first = index.lowerBound(ranges.windowStart);
      const last = index.lowerBound(tick);
      // The worker judges a campaign+channel only when it has rows in the baseline or the window.
      const baselineRows = index.lowerBound(ranges.baselineEnd) - index.lowerBound(ranges.baselineStart);
      if (last === first && baselineRows === 0) continue;
      const evaluation = evaluateRule(
        rule,
        {
          baseline: index.sum(ranges.baselineStart, ranges.baselineEnd),
          minutes: key.minutes.slice(first, last),
          evidenceFrom: lastResolved,
        },
        tick,
        phase.kind === 'open',
      );
      const transition = decideTransition(phase, evaluation, tick, rule.pendingMinutes);
      switch (transition) {
        case 'pend':
          phase = { kind: 'pending', since: tick };
          break;
        case 'cancel':
          phase = { kind: 'none' };
          break;
        case 'fire':
        case 'promote':
          current = {
            campaignId: key.campaignId,
            channel: key.channel,
            pendingAt: phase.kind === 'pending' ? phase.since : null,
            firedAt: tick,
            resolvedAt: null,
            firedValue: evaluation.current,
            baselineValue: evaluation.baseline,
            worstValue: evaluation.current,
          };
          phase = { kind: 'open' };
          break;
        case 'update':
          if (current) current.worstValue = worse(current.worstValue, evaluation.current);
          break;
        case 'resolve':
          if (current) record({ ...current, resolvedAt: tick });
          current = null;
          lastResolved = tick;
          phase = { kind: 'none' };
          break;
        case 'none':
          break;
      }
    }
    if (current) record(current);
  }
  all.sort((a, b) => a.firedAt - b.firedAt);
  return {
    ticks,
    keys: series.length,
    fired: all.length,
    episodes: all.slice(0, maxEpisodes),
    truncated: all.length > maxEpisodes,
  };
}
