import type PrismaTypes from '@pmd/db/generated/pothos-types.ts';
import { getDatamodel } from '@pmd/db/generated/pothos-types.ts';
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import { DateTimeResolver } from 'graphql-scalars';
import type { RequestContext } from './context.ts';

export const builder = new SchemaBuilder<{
  Context: RequestContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
  };
}>({
  plugins: [ErrorsPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  errors: { defaultTypes: [] },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant as an ISO-8601 string with offset, e.g. `2026-11-25T10:00:00.123Z`; inputs without offset are UTC.',
});

builder.queryType({ description: 'Reads: KPIs, funnels, breakdowns, time series, campaigns, alerts, pipeline status.' });
builder.mutationType({ description: 'Writes: event ingest and alert acknowledgement.' });
builder.subscriptionType({ description: 'Live pushes over graphql-ws (or SSE) on /graphql.' });
