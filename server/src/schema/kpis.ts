import type { Kpis } from '@pmd/db';
import { builder } from '../builder.ts';
import { overview, type KpiChange, type Overview } from '../services/overview.ts';
import { InvalidArgumentError } from './error.ts';
import { filterFromArgs, KpiFilterRef, WindowInputRef, WindowRef, windowFromArgs } from './window.ts';

export const KpiTotalsRef = builder.objectRef<Kpis>('KpiTotals').implement({
  description: 'Sums of a window and the KPIs derived from them (ratios of sums, never averages of ratios).',
  fields: (t) => ({
    impressions: t.exposeFloat('impressions', { description: 'Ad impressions (`ad_impression` events).' }),
    clicks: t.exposeFloat('clicks', { description: 'Ad clicks (`ad_click` events).' }),
    signups: t.exposeFloat('signups', { description: 'Signups.' }),
    activations: t.exposeFloat('activations', { description: 'Activations.' }),
    ctr: t.exposeFloat('ctr', { description: 'clicks / impressions (0 when there were no impressions).' }),
    clickToSignup: t.exposeFloat('clickToSignup', { description: 'signups / clicks (0 when there were no clicks).' }),
    signupToActivation: t.exposeFloat('signupToActivation', {
      description: 'activations / signups (0 when there were no signups).',
    }),
    spend: t.exposeFloat('spend', { description: 'Sum of all cost (`total_cost`).' }),
    clickCost: t.exposeFloat('clickCost', { description: 'Sum of the cost of clicks (`cost`).' }),
    cpc: t.exposeFloat('cpc', {
      nullable: true,
      description:
        'Average CPC: spend / clicks, spend being the cost of every event (as Google Ads and Meta report it); null without clicks.',
    }),
    cpm: t.exposeFloat('cpm', {
      nullable: true,
      description: 'spend per 1,000 impressions; null without impressions.',
    }),
    costPerSignup: t.exposeFloat('costPerSignup', {
      nullable: true,
      description: 'spend / signups; null without signups.',
    }),
    costPerActivation: t.exposeFloat('costPerActivation', {
      nullable: true,
      description: 'spend / activations; null without activations.',
    }),
  }),
});

const changeField = (name: keyof KpiChange) => ({
  nullable: true as const,
  description: `Relative change of ${name}: (current − previous) / previous; null when previous is 0 or undefined.`,
});

export const KpiChangeRef = builder.objectRef<KpiChange>('KpiChange').implement({
  description: 'Relative change against the previous window of equal length: (current − previous) / previous.',
  fields: (t) => ({
    impressions: t.exposeFloat('impressions', changeField('impressions')),
    clicks: t.exposeFloat('clicks', changeField('clicks')),
    signups: t.exposeFloat('signups', changeField('signups')),
    activations: t.exposeFloat('activations', changeField('activations')),
    ctr: t.exposeFloat('ctr', changeField('ctr')),
    clickToSignup: t.exposeFloat('clickToSignup', changeField('clickToSignup')),
    signupToActivation: t.exposeFloat('signupToActivation', changeField('signupToActivation')),
    spend: t.exposeFloat('spend', changeField('spend')),
    cpc: t.exposeFloat('cpc', changeField('cpc')),
    cpm: t.exposeFloat('cpm', changeField('cpm')),
    costPerSignup: t.exposeFloat('costPerSignup', changeField('costPerSignup')),
    costPerActivation: t.exposeFloat('costPerActivation', changeField('costPerActivation')),
  }),
});

export const OverviewRef = builder.objectRef<Overview>('Overview').implement({
  description: 'The KPI cards: a window, the previous window of equal length, and the change between them.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the totals cover.', resolve: (o) => o.window }),
    current: t.field({ type: KpiTotalsRef, description: 'Totals of the window.', resolve: (o) => o.current }),
    previous: t.field({
      type: KpiTotalsRef,
      description: 'Totals of the previous window of equal length.',
      resolve: (o) => o.previous,
    }),
    change: t.field({
      type: KpiChangeRef,
      description: 'Relative change current vs previous.',
      resolve: (o) => o.change,
    }),
  }),
});

builder.queryField('overview', (t) =>
  t.field({
    authScopes: { reader: true },
    type: OverviewRef,
    description:
      'KPI totals of a window (exact, including events stored a moment ago) and their change against the previous window.',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The overview, or why the window was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window.' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
    },
    resolve: (_root, args, ctx) => overview(ctx.pool, windowFromArgs(args.window), filterFromArgs(args.filter)),
  }),
);
