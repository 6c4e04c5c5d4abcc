import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';

/** The read, alert and live types: GraphiQL is the analysts' documentation, so nothing may be undescribed. */
const READ_TYPES = [
  'WindowInput',
  'KpiFilter',
  'Window',
  'KpiTotals',
  'KpiChange',
  'Overview',
  'FunnelStageName',
  'FunnelStage',
  'Funnel',
  'BreakdownDimension',
  'BreakdownSort',
  'HealthStatus',
  'BreakdownRow',
  'Breakdown',
  'Granularity',
  'TimeSeriesPoint',
  'TimeSeries',
  'AlertStatus',
  'Alert',
  'AlertEdge',
  'PageInfo',
  'CampaignMetricsHourly',
  'CampaignMetricsDaily',
  'Campaign',
  'PipelineTask',
  'PipelineStatus',
  'AlertChangeKind',
  'AlertChange',
  'MetricsUpdate',
  'QueryOverviewResult',
  'QueryFunnelResult',
  'QueryBreakdownResult',
  'QueryTimeSeriesResult',
  'QueryCampaignResult',
  'MutationAcknowledgeAlertResult',
  'InvalidArgumentError',
  'NotFoundError',
];
const READ_ROOT_FIELDS = {
  Query: [
    'overview',
    'funnel',
    'breakdown',
    'timeSeries',
    'campaigns',
    'campaign',
    'alerts',
    'alert',
    'pipelineStatus',
  ],
  Mutation: ['acknowledgeAlert'],
  Subscription: ['alertChanged', 'liveOverview', 'liveFunnel', 'liveBreakdown', 'metricsUpdated'],
};

describe('schema descriptions of the reads, alerts and live parts', () => {
  it('describe every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const name of READ_TYPES) {
      const type = schema.getType(name);
      if (!type) {
        missing.push(`${name} (type missing)`);
        continue;
      }
      if (!type.description) missing.push(name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues()) if (!value.description) missing.push(`${name}.${value.name}`);
      if (isUnionType(type) && !type.getTypes().length) missing.push(`${name} (empty union)`);
    }
    for (const [root, fields] of Object.entries(READ_ROOT_FIELDS)) {
      const type = schema.getType(root);
      if (!isObjectType(type)) throw new Error(`${root} is missing`);
      for (const fieldName of fields) {
        const field = type.getFields()[fieldName];
        if (!field) missing.push(`${root}.${fieldName} (missing)`);
        else {
          if (!field.description) missing.push(`${root}.${fieldName}`);
          for (const arg of field.args) if (!arg.description) missing.push(`${root}.${fieldName}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
