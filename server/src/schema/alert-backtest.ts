import { MAX_BACKTEST_DAYS } from '@pmd/domain';
import type { BacktestEpisode } from '@pmd/domain/detection';
import { builder } from '../builder.ts';
import {
  backtestAlertRule,
  MAX_BACKTEST_EPISODES,
  MAX_BACKTEST_KEYS,
  MAX_CONCURRENT_BACKTESTS,
  type AlertRuleBacktest,
  type BacktestDay,
} from '../services/alert-backtest.ts';
import { AlertRuleValidationError } from '../services/errors.ts';
import { AlertRuleInputType } from './alert-rule.ts';
import { InvalidArgumentError } from './error.ts';

const time = (ms: number) => new Date(ms);

const EpisodeRef = builder.objectRef<BacktestEpisode>('AlertRuleBacktestEpisode').implement({
  description: 'One alert the rule would have raised.',
  fields: (t) => ({
    campaignId: t.exposeString('campaignId', { description: 'The campaign.' }),
    channel: t.exposeString('channel', { description: 'The channel.' }),
    pendingAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its condition started to hold, for a rule with a pending period; else null.',
      resolve: (e) => (e.pendingAt === null ? null : time(e.pendingAt)),
    }),
    firedAt: t.field({ type: 'DateTime', description: 'When it would have fired.', resolve: (e) => time(e.firedAt) }),
    resolvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it would have resolved; null: still open at the end of the period.',
      resolve: (e) => (e.resolvedAt === null ? null : time(e.resolvedAt)),
    }),
    firedValue: t.exposeFloat('firedValue', { description: 'The metric when it fired.' }),
    baselineValue: t.exposeFloat('baselineValue', { description: 'The baseline it was compared with then.' }),
    worstValue: t.exposeFloat('worstValue', { description: 'The worst value while it was open.' }),
  }),
});

const DayRef = builder.objectRef<BacktestDay>('BacktestDay').implement({
  description: 'Alerts a backtest would have fired on one UTC day.',
  fields: (t) => ({
    day: t.expose('day', { type: 'DateTime', description: 'Start of the UTC day.' }),
    fired: t.exposeInt('fired', { description: 'Alerts fired that day.' }),
  }),
});

const BacktestRef = builder.objectRef<AlertRuleBacktest>('AlertRuleBacktest').implement({
  description:
    "A rule replayed minute by minute over past per-minute rollups with the worker's own detection code: how often and when it would have fired (alerts it had raised before `from` are not known).",
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'Start of the period replayed (a minute).' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the period (exclusive): the start of this minute.' }),
    days: t.exposeInt('days', { description: 'Its length in days.' }),
    ticks: t.exposeInt('ticks', { description: 'Minute ticks replayed.' }),
    keys: t.exposeInt('keys', { description: 'Campaign+channels in scope with traffic in the period.' }),
    fired: t.exposeInt('fired', { description: 'Alerts it would have fired, all of them.' }),
    truncated: t.exposeBoolean('truncated', {
      description: `More than ${MAX_BACKTEST_EPISODES} fired: episodes lists the first ${MAX_BACKTEST_EPISODES}.`,
    }),
    episodes: t.field({
      type: [EpisodeRef],
      description: `The alerts, in firing order (the first ${MAX_BACKTEST_EPISODES}).`,
      resolve: (b) => b.episodes,
    }),
    firedPerDay: t.field({
      type: [DayRef],
      description: 'Alerts fired per UTC day of the period, every day present (zeros included); they sum to fired.',
      resolve: (b) => b.firedPerDay,
    }),
  }),
});

builder.queryField('backtestAlertRule', (t) =>
  t.field({
    authScopes: { reader: true },
    type: BacktestRef,
    description: `Replays a rule, saved or not, over the last days (1 to ${MAX_BACKTEST_DAYS}) of per-minute rollups, read-only (reader scope). Bounded: at most ${MAX_BACKTEST_KEYS} campaign+channels in its scope, each read under a statement timeout; a server runs ${MAX_CONCURRENT_BACKTESTS} at once, more wait their turn. A target rule replays each campaign (over all its channels: channel "*") that is active and sets its target now, with its current catalog targets (their past values are not kept), pacing days in the reporting time zone.`,
    errors: {
      types: [AlertRuleValidationError, InvalidArgumentError],
      directResult: true,
      union: { description: 'The backtest, the problems of the rule, or why days (or the scope) was refused.' },
    },
    args: {
      rule: t.arg({ type: AlertRuleInputType, required: true, description: 'The rule (its routing is ignored).' }),
      days: t.arg.int({ required: true, description: `Days back from now, 1 to ${MAX_BACKTEST_DAYS}.` }),
    },
    resolve: (_root, { rule, days }, ctx) => backtestAlertRule(ctx.pool, rule, days, ctx.config.reportingTimeZone),
  }),
);
