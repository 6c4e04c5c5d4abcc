import {
  COUNTER_NAMES,
  COUNTERS,
  MAX_BACKTEST_DAYS,
  sumsOfRollupRow,
  type AlertRuleSettings,
  type CampaignStatus,
} from '@pmd/domain';
import {
  backtestHistoryStart,
  backtestRule,
  backtestTargetRule,
  campaignTarget,
  isTargetRule,
  targetHistoryStart,
  type BacktestEpisode,
  type BacktestResult,
  type BacktestSeries,
  type CampaignTargets,
} from '@pmd/domain/detection';
import type pg from 'pg';
import { checkRuleSettings, type AlertRuleInput } from './alert-rules.ts';
import { InvalidArgumentError } from './errors.ts';

/**
 * A rule replayed over the last `days` days of the per-minute rollup with the worker's own detection code
 * (@pmd/domain/detection), read-only: how often and when it would have fired. Heavy, so bounded: at most
 * MAX_BACKTEST_DAYS, the reads under a statement timeout, and at most MAX_BACKTEST_KEYS campaign+channels, read one at
 * a time so memory holds one series, yielding to the event loop between them so ingest and reads go on.
 * A target rule replays per campaign (all channels summed per minute) the campaigns that set its target and are active
 * now, with their current targets (the catalog keeps no history of them), pacing in the reporting time zone.
 */

/** Most episodes returned (all are counted in `fired`). */
export const MAX_BACKTEST_EPISODES = 200;
/** Most campaign+channels one backtest replays (a 14-day series is ~20,000 minutes each). */
export const MAX_BACKTEST_KEYS = 500;
/** Bound of each read of the backtest (the key list, each series). */
export const BACKTEST_STATEMENT_TIMEOUT_MS = 10_000;
/**
 * Backtests one process runs at once; more wait their turn. Each holds a connection of the main pool (20) for its
 * whole run, so without this a handful of readers clicking "Backtest" could starve ingest and reads of connections.
 */
export const MAX_CONCURRENT_BACKTESTS = 2;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface BacktestDay {
  /** Start of the UTC day. */
  day: Date;
  fired: number;
}

export interface AlertRuleBacktest {
  from: Date;
  to: Date;
  days: number;
  ticks: number;
  keys: number;
  fired: number;
  truncated: boolean;
  episodes: BacktestEpisode[];
  firedPerDay: BacktestDay[];
}

/** The scope filter of a rule as SQL over campaign_metrics_minute ($3 the scope value). */
function scopeCondition(rule: AlertRuleSettings): string {
  if (rule.scope === 'campaign') return 'campaign_id = $3';
  if (rule.scope === 'channel') return 'channel = $3';
  return '$3::text IS NULL';
}

const columns = COUNTER_NAMES.map((name) => `${COUNTERS[name].column}::float8 AS ${COUNTERS[name].column}`).join(', ');
const summed = COUNTER_NAMES.map((name) => `sum(${COUNTERS[name].column})::float8 AS ${COUNTERS[name].column}`).join(
  ', ',
);

/** Every UTC day of [from, to), each with no episodes yet. */
function emptyDays(from: number, to: number): BacktestDay[] {
  const days: BacktestDay[] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS)
    days.push({ day: new Date(day), fired: 0 });
  return days;
}

/** Adds episodes to the day of their firedAt (UTC). */
function countPerDay(days: BacktestDay[], episodes: readonly { firedAt: number }[]): void {
  const first = days[0]!.day.getTime();
  for (const episode of episodes) days[Math.floor((episode.firedAt - first) / DAY_MS)]!.fired += 1;
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `task` when fewer than MAX_CONCURRENT_BACKTESTS run, first come first served. */
export async function inBacktestTurn<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_BACKTESTS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await task();
  } finally {
    // The turn passes straight to the next waiter (running stays counted), or is given back.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

export async function backtestAlertRule(
  pool: pg.Pool,
  input: AlertRuleInput,
  days: number,
  reportingTimeZone: string,
  now: Date = new Date(),
): Promise<AlertRuleBacktest> {
  if (!Number.isInteger(days) || days < 1 || days > MAX_BACKTEST_DAYS) {
    throw new InvalidArgumentError(`days must be 1 to ${MAX_BACKTEST_DAYS}.`, 'days');
  }
  const rule = checkRuleSettings(input);
  const to = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const from = to - days * DAY_MS;
  return inBacktestTurn(() => replay(pool, rule, days, from, to, reportingTimeZone));
}

/** One series a backtest replays: a campaign+channel, or for a target rule a campaign over all its channels. */
interface BacktestKey {
  /** Reads the key's minutes and replays the rule over them. */
  replay(client: pg.PoolClient): Promise<BacktestResult>;
}

const keysError = () =>
  new InvalidArgumentError(
    `The rule covers more than ${MAX_BACKTEST_KEYS} campaign·channels over these days; backtest a narrower scope.`,
    'rule',
  );

/** Each campaign+channel with minutes in [backtestHistoryStart, to) in the rule's scope. */
async function channelKeys(
  client: pg.PoolClient,
  rule: AlertRuleSettings,
  from: number,
  to: number,
): Promise<BacktestKey[]> {
  const range = [new Date(backtestHistoryStart(rule, from)), new Date(to), rule.scopeValue];
  const { rows: keys } = await client.query<{ campaign_id: string; channel: string }>(
    `SELECT DISTINCT campaign_id, channel FROM campaign_metrics_minute
     WHERE minute >= $1 AND minute < $2 AND ${scopeCondition(rule)}
     ORDER BY campaign_id, channel
     LIMIT ${MAX_BACKTEST_KEYS + 1}`,
    range,
  );
  if (keys.length > MAX_BACKTEST_KEYS) throw keysError();
  return keys.map((key) => ({
    async replay(client) {
      const { rows } = await client.query<Record<string, number> & { minute: Date }>(
        `SELECT minute, ${columns} FROM campaign_metrics_minute
         WHERE campaign_id = $3 AND channel = $4 AND minute >= $1 AND minute < $2
         ORDER BY minute`,
        [range[0], range[1], key.campaign_id, key.channel],
      );
      const series: BacktestSeries = {
        campaignId: key.campaign_id,
        channel: key.channel,
        minutes: rows.map((row) => ({ minute: row.minute.getTime(), sums: sumsOfRollupRow(row) })),
      };
      // Every episode of the key (one series fires at most every other minute), so the days count all of them.
      return backtestRule(rule, [series], from, to, Number.MAX_SAFE_INTEGER);
    },
  }));
}

/** Each campaign in the target rule's scope that is active and sets its target now, with its current targets. */
async function targetKeys(
  client: pg.PoolClient,
  rule: AlertRuleSettings,
  from: number,
  to: number,
  timeZone: string,
): Promise<BacktestKey[]> {
  const { rows } = await client.query<{
    campaign_id: string;
    status: CampaignStatus;
    daily_budget: number | null;
    target_cpa: number | null;
    target_roas: number | null;
  }>(
    `SELECT campaign_id, status, daily_budget::float8 AS daily_budget, target_cpa::float8 AS target_cpa, target_roas
     FROM campaigns
     WHERE status = 'active' AND (daily_budget IS NOT NULL OR target_cpa IS NOT NULL OR target_roas IS NOT NULL)
       AND ($1::text IS NULL OR campaign_id = $1)
     ORDER BY campaign_id`,
    [rule.scopeValue],
  );
  const judged = rows.flatMap((row) => {
    const targets: CampaignTargets = {
      status: row.status,
      dailyBudget: row.daily_budget,
      targetCpa: row.target_cpa,
      targetRoas: row.target_roas,
    };
    return campaignTarget(rule, targets) === null ? [] : [{ campaignId: row.campaign_id, targets }];
  });
  if (judged.length > MAX_BACKTEST_KEYS) throw keysError();
  const start = new Date(targetHistoryStart(rule, from, timeZone));
  return judged.map((key) => ({
    async replay(client) {
      const { rows: minutes } = await client.query<Record<string, number> & { minute: Date }>(
        `SELECT minute, ${summed} FROM campaign_metrics_minute
         WHERE campaign_id = $3 AND minute >= $1 AND minute < $2
         GROUP BY minute ORDER BY minute`,
        [start, new Date(to), key.campaignId],
      );
      const series = {
        ...key,
        minutes: minutes.map((row) => ({ minute: row.minute.getTime(), sums: sumsOfRollupRow(row) })),
      };
      return backtestTargetRule(rule, [series], from, to, timeZone, Number.MAX_SAFE_INTEGER);
    },
  }));
}

/** Replays the rule over [from, to), key by key. */
async function replay(
  pool: pg.Pool,
  rule: AlertRuleSettings,
  days: number,
  from: number,
  to: number,
  reportingTimeZone: string,
): Promise<AlertRuleBacktest> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(BACKTEST_STATEMENT_TIMEOUT_MS)]);
    const keys = isTargetRule(rule)
      ? await targetKeys(client, rule, from, to, reportingTimeZone)
      : await channelKeys(client, rule, from, to);
    const perDay = emptyDays(from, to);
    let episodes: BacktestEpisode[] = [];
    let fired = 0;
    for (const key of keys) {
      const result = await key.replay(client);
      fired += result.fired;
      countPerDay(perDay, result.episodes);
      episodes = [...episodes, ...result.episodes]
        .sort((a, b) => a.firedAt - b.firedAt)
        .slice(0, MAX_BACKTEST_EPISODES + 1);
      // One series replays in well under a second; between them other requests get their turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return {
      from: new Date(from),
      to: new Date(to),
      days,
      ticks: (to - from) / MINUTE_MS,
      keys: keys.length,
      fired,
      truncated: fired > MAX_BACKTEST_EPISODES,
      episodes: episodes.slice(0, MAX_BACKTEST_EPISODES),
      firedPerDay: perDay,
    };
  } finally {
    // Read-only: ending it by rollback is all there is to do, on success as on failure.
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
