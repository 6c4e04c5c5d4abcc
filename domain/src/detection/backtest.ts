import type { DetectionRule } from '../alert-rules.ts';
import { ALL_CHANNELS, alertWorseIsLower } from '../alerts.ts';
import { COUNTER_NAMES, type KpiSums } from '../metrics.ts';
import { type PacingDay, pacingDay, type PacingRange, pacingWindowsOfDay } from '../pacing.ts';
import { evaluateRule, type RuleEvaluation, ruleRanges } from './evaluate.ts';
import { type CampaignTargets, evaluateTarget, judgesPacing, pacingSpend } from './target.ts';
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

  /** One counter's sum over [start, end): pacing reads only spend, over 9 ranges a tick. */
  counter(name: keyof KpiSums, start: number, end: number): number {
    return this.prefix[name][this.lowerBound(end)]! - this.prefix[name][this.lowerBound(start)]!;
  }
}

export function backtestRule(
  rule: DetectionRule,
  series: readonly BacktestSeries[],
  from: number,
  to: number,
  maxEpisodes = 500,
): BacktestResult {
  const episodes = series.flatMap((key) => {
    const index = new SeriesIndex(key.minutes);
    return replayKey(rule, key.campaignId, key.channel, from, to, (tick, open, lastResolved) => {
      const ranges = ruleRanges(rule, tick);
      const first = index.lowerBound(ranges.windowStart);
      const last = index.lowerBound(tick);
      // The worker judges a campaign+channel only when it has rows in the baseline or the window.
      const baselineRows = index.lowerBound(ranges.baselineEnd) - index.lowerBound(ranges.baselineStart);
      if (last === first && baselineRows === 0) return null;
      return evaluateRule(
        rule,
        {
          baseline: index.sum(ranges.baselineStart, ranges.baselineEnd),
          minutes: key.minutes.slice(first, last),
          evidenceFrom: lastResolved,
        },
        tick,
        open,
      );
    });
  });
  return result(episodes, (to - from) / MINUTE, series.length, maxEpisodes);
}

/** One campaign's per-minute sums over all its channels, and the catalog targets it is judged against. */
export interface TargetSeries {
  campaignId: string;
  targets: CampaignTargets;
  /** In time order, covering [targetHistoryStart(rule, from, timeZone), to). */
  minutes: readonly { minute: number; sums: KpiSums }[];
}

/** The earliest minute a target rule's backtest from `from` reads: pacing's oldest history day, else the window. */
export function targetHistoryStart(rule: DetectionRule, from: number, timeZone: string): number {
  if (!judgesPacing(rule)) return from - rule.windowMinutes * MINUTE;
  return pacingDay(new Date(from), timeZone).history.at(-1)!.from.getTime();
}

/**
 * A target rule replayed like backtestRule: every campaign of `series` judged at every minute tick of [from, to) as
 * the worker's run judges it (evaluateTarget, pacing in the reporting `timeZone`), with the targets the series
 * carries (a campaign's current ones: the catalog keeps no history of them). Its episodes' channel is ALL_CHANNELS.
 */
export function backtestTargetRule(
  rule: DetectionRule,
  series: readonly TargetSeries[],
  from: number,
  to: number,
  timeZone: string,
  maxEpisodes = 500,
): BacktestResult {
  const pacing = judgesPacing(rule);
  // A local day's bounds are the same for all its minutes: computed once a day (per tick, they cost 1 ms).
  let day: PacingDay | null = null;
  const windowsAt = (tick: number) => {
    if (day === null || tick < day.bounds.from.getTime() || tick >= day.bounds.to.getTime()) {
      day = pacingDay(new Date(tick), timeZone);
    }
    return pacingWindowsOfDay(day, new Date(tick));
  };
  const episodes = series.flatMap((key) => {
    const index = new SeriesIndex(key.minutes);
    const spendIn = (range: PacingRange) => index.counter('spend', range.from.getTime(), range.to.getTime());
    return replayKey(rule, key.campaignId, ALL_CHANNELS, from, to, (tick) => {
      if (!pacing) {
        const sums = index.sum(tick - rule.windowMinutes * MINUTE, tick);
        return evaluateTarget(rule, key.targets, { kind: 'window', sums }, tick);
      }
      const windows = windowsAt(tick);
      const spend = pacingSpend(windows, spendIn);
      return evaluateTarget(rule, key.targets, { kind: 'pacing', spend, dayStart: windows.today.from.getTime() }, tick);
    });
  });
  return result(episodes, (to - from) / MINUTE, series.length, maxEpisodes);
}

/**
 * The one state machine (decideTransition) over one key's ticks of [from, to): `judge` evaluates a tick (null: the
 * worker would not judge the key then), told whether an alert is open and when the last one resolved.
 */
function replayKey(
  rule: DetectionRule,
  campaignId: string,
  channel: string,
  from: number,
  to: number,
  judge: (tick: number, open: boolean, lastResolved: number | null) => RuleEvaluation | null,
): BacktestEpisode[] {
  const worse = alertWorseIsLower(rule.metric) ? Math.min : Math.max;
  const episodes: BacktestEpisode[] = [];
  let phase: AlertPhase = { kind: 'none' };
  let current: BacktestEpisode | null = null;
  let lastResolved: number | null = null;
  for (let tick = from; tick < to; tick += MINUTE) {
    const evaluation = judge(tick, phase.kind === 'open', lastResolved);
    if (evaluation === null) continue;
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
          campaignId,
          channel,
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
        if (current) episodes.push({ ...current, resolvedAt: tick });
        current = null;
        lastResolved = tick;
        phase = { kind: 'none' };
        break;
      case 'none':
        break;
    }
  }
  if (current) episodes.push(current);
  return episodes;
}

function result(all: BacktestEpisode[], ticks: number, keys: number, maxEpisodes: number): BacktestResult {
  all.sort((a, b) => a.firedAt - b.firedAt);
  return {
    ticks,
    keys,
    fired: all.length,
    episodes: all.slice(0, maxEpisodes),
    truncated: all.length > maxEpisodes,
  };
}
