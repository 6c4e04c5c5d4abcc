import { COUNTERS } from '@pmd/domain';
import { builder } from '../builder.ts';
import { funnel, FUNNEL_STAGES, type Funnel, type FunnelStage, type FunnelStageName } from '../services/funnel.ts';
import { InvalidArgumentError } from './error.ts';
import {
  filterFromArgs,
  KpiFilterRef,
  WindowInputRef,
  WindowCoverageRef,
  WindowRef,
  windowFromArgs,
} from './window.ts';
import { windowCoverage } from '../services/kpi-window.ts';

export const FunnelStageNameEnum = builder.enumType('FunnelStageName', {
  description: 'The stages of the ad → acquisition funnel, top first.',
  values: Object.fromEntries(
    FUNNEL_STAGES.map(({ stage, counter }) => [stage, { value: stage, description: COUNTERS[counter].description }]),
  ) as Record<FunnelStageName, { value: FunnelStageName; description: string }>,
});

export const FunnelStageRef = builder.objectRef<FunnelStage>('FunnelStage').implement({
  description: 'One funnel stage with its count and conversion.',
  fields: (t) => ({
    stage: t.field({ type: FunnelStageNameEnum, description: 'Which stage.', resolve: (s) => s.stage }),
    label: t.exposeString('label', { description: "Display label: the stage's counter's label (e.g. Impressions)." }),
    count: t.exposeFloat('count', { description: 'Events of this stage in the window.' }),
    conversionFromPrevious: t.exposeFloat('conversionFromPrevious', {
      nullable: true,
      description: 'count / previous stage count (0 when that is 0); null for the first stage.',
    }),
    conversionFromTop: t.exposeFloat('conversionFromTop', {
      description: 'count / impressions (0 without impressions).',
    }),
  }),
});

export const FunnelRef = builder.objectRef<Funnel>('Funnel').implement({
  description: 'The funnel of a window.',
  fields: (t) => ({
    window: t.field({ type: WindowRef, description: 'The window the counts cover.', resolve: (f) => f.window }),
    coverage: t.field({
      type: WindowCoverageRef,
      description:
        'Which part of the window the counts answer (all of it unless retention removed rows an edge needs).',
      resolve: (f) => windowCoverage(f.window),
    }),
    stages: t.field({ type: [FunnelStageRef], description: 'The four stages, top first.', resolve: (f) => f.stages }),
  }),
});

builder.queryField('funnel', (t) =>
  t.field({
    authScopes: { reader: true },
    type: FunnelRef,
    description: 'Impressions → clicks → signups → activations in a window, with step conversion.',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The funnel, or why the window was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window.' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
    },
    resolve: (_root, args, ctx) =>
      funnel(
        ctx.pool,
        windowFromArgs(args.window, ctx.config.reportingTimeZone, ctx.retention.settings()),
        filterFromArgs(args.filter),
      ),
  }),
);
