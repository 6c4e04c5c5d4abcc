import { CONVERSION_STEP_NAMES, CONVERSION_STEPS, enumName, type ConversionStepName } from '@pmd/domain';
import { builder } from '../builder.ts';
import {
  conversionDelays,
  DELAY_LOOKBACK_MINUTES,
  DELAY_SAMPLE_MINUTES,
  type ConversionDelays,
  type DelayBucket,
  type StepDelays,
} from '../services/conversion-delays.ts';
import { InvalidArgumentError } from './error.ts';
import { filterFromArgs, KpiFilterRef, WindowInputRef, WindowRef, windowFromArgs } from './window.ts';

export const ConversionStepEnum = builder.enumType('ConversionStep', {
  description: 'A funnel step: an event following a previous-step event of the same user and campaign.',
  values: Object.fromEntries(
    CONVERSION_STEP_NAMES.map((name) => [enumName(name), { value: name, description: CONVERSION_STEPS[name].label }]),
  ) as Record<string, { value: ConversionStepName; description: string }>,
});

const DelayBucketRef = builder.objectRef<DelayBucket>('DelayBucket').implement({
  description: 'Pairs whose delay is in [fromSeconds, toSeconds).',
  fields: (t) => ({
    fromSeconds: t.exposeFloat('fromSeconds', { description: 'Lower edge (inclusive), seconds.' }),
    toSeconds: t.exposeFloat('toSeconds', { nullable: true, description: 'Upper edge (exclusive); null: no limit.' }),
    count: t.exposeInt('count', { description: 'Pairs in the bucket.' }),
  }),
});

const percentile = (p: number) =>
  `The ${p}th percentile of the delays, seconds (an observed delay); null without pairs.`;

const StepDelaysRef = builder.objectRef<StepDelays>('ConversionStepDelays').implement({
  description: 'The delay distribution of one step.',
  fields: (t) => ({
    step: t.field({ type: ConversionStepEnum, description: 'The step.', resolve: (delays) => delays.step }),
    pairs: t.exposeInt('pairs', { description: 'Step events paired with a previous-step event.' }),
    p50: t.exposeFloat('p50', { nullable: true, description: percentile(50) }),
    p90: t.exposeFloat('p90', { nullable: true, description: percentile(90) }),
    p95: t.exposeFloat('p95', { nullable: true, description: percentile(95) }),
    p99: t.exposeFloat('p99', { nullable: true, description: percentile(99) }),
    histogram: t.field({
      type: [DelayBucketRef],
      description: 'Pairs per delay bucket (1 s, 5 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h, more).',
      resolve: (delays) => delays.histogram,
    }),
  }),
});

const ConversionDelaysRef = builder.objectRef<ConversionDelays>('ConversionDelays').implement({
  description: 'How long users take from one funnel step to the next.',
  fields: (t) => ({
    sample: t.field({
      type: WindowRef,
      description: `The part of the window whose step events were paired: its last ${DELAY_SAMPLE_MINUTES} minutes at most.`,
      resolve: (delays) => delays.sample,
    }),
    lookbackFrom: t.field({
      type: 'DateTime',
      description: `Previous-step events were looked for from here on (${DELAY_LOOKBACK_MINUTES} minutes before the sample).`,
      resolve: (delays) => delays.lookbackFrom,
    }),
    steps: t.field({
      type: [StepDelaysRef],
      description: 'One entry per step, in funnel order.',
      resolve: (delays) => delays.steps,
    }),
  }),
});

builder.queryField('conversionDelays', (t) =>
  t.field({
    authScopes: { reader: true },
    type: ConversionDelaysRef,
    description:
      'The delay from a previous-step event to each step event (impression → click, click → signup, signup → ' +
      'activation): each step event is paired with the latest previous-step event of the same user and campaign at ' +
      `or before it. Bounded: only step events of the window's last ${DELAY_SAMPLE_MINUTES} minutes are paired, with ` +
      `previous-step events from ${DELAY_LOOKBACK_MINUTES} minutes before that on. The health status judges each ` +
      'ratio over a window long enough for these delays (HealthCheck).',
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The delays, or why the window was refused.' },
    },
    args: {
      window: t.arg({ type: WindowInputRef, required: true, description: 'The window (its last part is sampled).' }),
      filter: t.arg({ type: KpiFilterRef, required: false, description: 'Campaigns and channels to include.' }),
    },
    resolve: (_root, args, ctx) =>
      conversionDelays(
        ctx.pool,
        windowFromArgs(args.window, ctx.config.reportingTimeZone),
        filterFromArgs(args.filter),
      ),
  }),
);
