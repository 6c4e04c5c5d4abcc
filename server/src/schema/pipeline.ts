import { builder } from '../builder.ts';
import { pipelineStatus, type PipelineStatus, type PipelineTask } from '../services/pipeline.ts';

export const PipelineTaskRef = builder.objectRef<PipelineTask>('PipelineTask').implement({
  description: 'One scheduled worker task and how its runs went (what the Airflow UI showed).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'metrics_hourly | metrics_daily | anomaly_alerts' }),
    lastRunAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Start of its latest run.',
      resolve: (task) => task.lastRunAt,
    }),
    lastSuccessAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'End of its latest successful run.',
      resolve: (task) => task.lastSuccessAt,
    }),
    lastDurationMs: t.exposeInt('lastDurationMs', { nullable: true, description: 'Duration of its latest run.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Error of its latest run, if it failed.' }),
    lagSeconds: t.exposeFloat('lagSeconds', {
      nullable: true,
      description: 'Seconds since its latest successful run.',
    }),
    runsLastHour: t.exposeInt('runsLastHour', { description: 'Runs started in the last hour.' }),
    failuresLastHour: t.exposeInt('failuresLastHour', { description: 'Of those, how many failed.' }),
  }),
});

export const PipelineStatusRef = builder.objectRef<PipelineStatus>('PipelineStatus').implement({
  description: 'Health of the rollup and alert pipeline.',
  fields: (t) => ({
    tasks: t.field({ type: [PipelineTaskRef], description: 'Each worker task.', resolve: (status) => status.tasks }),
    pendingDirtyHours: t.exposeInt('pendingDirtyHours', {
      description: 'Campaign/channel hours waiting for metrics_hourly.',
    }),
    pendingDirtyDays: t.exposeInt('pendingDirtyDays', {
      description: 'Campaign/channel days waiting for metrics_daily.',
    }),
    latestEventAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Time of the newest stored event.',
      resolve: (status) => status.latestEventAt,
    }),
  }),
});

builder.queryField('pipelineStatus', (t) =>
  t.field({
    authScopes: { reader: true },
    type: PipelineStatusRef,
    description: "The worker tasks' last runs, durations, lag and errors, and the rollup backlog.",
    resolve: (_root, _args, ctx) => pipelineStatus(ctx.pool),
  }),
);
