import type PrismaTypes from '@pmd/db/generated/pothos-types.ts';
import { getDatamodel } from '@pmd/db/generated/pothos-types.ts';
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { serverConfig } from './config.ts';
import type { RequestContext } from './context.ts';
import { missingScopeMessage, type Scope } from './services/access.ts';

export const builder = new SchemaBuilder<{
  Context: RequestContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  AuthScopes: { reader: boolean; ingester: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
  };
}>({
  // scope-auth first, so no other plugin's resolver wrapper runs for a caller without the scope.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, PrismaPlugin],
  // Every root field declares `authScopes` (test/security/schema-scopes.spec.ts walks the schema to prove it).
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({ reader: ctx.scopes.reader, ingester: ctx.scopes.ingester, admin: ctx.scopes.admin }),
    unauthorizedError: (_parent, ctx, info) => {
      const scope = requiredScopeOf(info);
      const authorization = ctx.request?.headers.get('authorization') ?? ctx.connectionAuthorization;
      return new GraphQLError(missingScopeMessage(scope, authorization), {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
      });
    },
  },
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: serverConfig().log.production ? null : 'warn',
  },
  errors: { defaultTypes: [] },
  // Relay connections (alerts) only; no global `node` lookups: records are fetched by their own ids.
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list.' },
    hasNextPageFieldOptions: { description: 'More items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'More items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page (pass as `after` for the next page).' },
    edgesFieldOptions: { description: 'The items of the page with their cursors.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    cursorFieldOptions: { description: 'Opaque position of this item, for `after`/`before`.' },
    nodeFieldOptions: { description: 'The item.' },
    firstArgOptions: { description: 'Page size, counting from the start (or from `after`).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'Page size, counting from the end (or from `before`).' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description:
    'An instant as an ISO-8601 string with offset, e.g. `2026-11-25T10:00:00.123Z`; inputs without offset are UTC.',
});

builder.queryType({
  description: 'Reads: KPIs, funnels, breakdowns, time series, campaigns, alerts, pipeline status.',
});
builder.mutationType({
  description: 'Writes: event ingest, alert acknowledgement and silences, alert rules and notification channels.',
});
builder.subscriptionType({ description: 'Live pushes over graphql-ws (or SSE) on /graphql.' });

/** The scope a field asks for (the first of its `authScopes`), for the refusal's message. */
function requiredScopeOf(info: GraphQLResolveInfo): Scope {
  const field = info.parentType.getFields()[info.fieldName];
  const scopes = (field?.extensions as { pothosOptions?: { authScopes?: object } } | undefined)?.pothosOptions
    ?.authScopes;
  return (Object.keys(scopes ?? {})[0] as Scope | undefined) ?? 'reader';
}
