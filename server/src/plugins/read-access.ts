import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ServerConfig } from '../config.ts';
import { accessFailure } from '../services/access.ts';

/** Mutations that change what readers see, so they need READ_TOKEN rather than INGEST_TOKEN. */
const READER_MUTATIONS = new Set(['acknowledgeAlert']);

function operationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((operation) => operation.name?.value === operationName) : operations[0];
}

/** True when the operation is a read that needs READ_TOKEN: any query or subscription (bar pure introspection,
 * which GraphiQL needs), and the reader mutations. Ingest mutations are checked by the ingest gate. */
function needsReadAccess(operation: OperationDefinitionNode | undefined): boolean {
  if (!operation) return false;
  const fields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : ['…']));
  if (operation.operation === 'mutation') return fields.some((field) => READER_MUTATIONS.has(field));
  return !fields.every((field) => field.startsWith('__'));
}

/** The authorization of an HTTP request, or of a websocket's connection parameters (browsers cannot set headers). */
function authorizationOf(context: Record<string, any>): string | null {
  return (
    context.request?.headers?.get?.('authorization') ??
    context.connectionParams?.authorization ??
    context.connectionParams?.Authorization ??
    context.req?.headers?.authorization ??
    null
  );
}

/** READ_TOKEN, when set, guards GraphQL reads over HTTP, SSE and websockets alike (one envelop plugin for all). */
export function useReadAccess(config: Pick<ServerConfig, 'readToken' | 'ingestToken'>): Plugin {
  const check = (args: { document: DocumentNode; operationName?: string | null; contextValue: any }) => {
    if (!config.readToken || !needsReadAccess(operationOf(args.document, args.operationName))) return null;
    const denied = accessFailure(config, 'read', authorizationOf(args.contextValue));
    return denied ? new GraphQLError(denied, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }) : null;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
