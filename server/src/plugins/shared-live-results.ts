import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  print,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../context.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * Field extension of a subscription field whose pushed value is one object shared by all its subscribers with equal
 * arguments (a live view's value): subscriptions with equal documents may then share the execution of their selection.
 */
export const SHARED_LIVE_RESULTS = 'sharedLiveResults';

type MaybePromise<T> = T | Promise<T>;

/**
 * Executes the selection of a live view subscription once per pushed value for every subscription with the same
 * document, operation name, variables and scopes, and gives each of them the same result object.
 *
 * Graphql-js' subscribe executes the selection once per subscriber per value: with 10,000 subscribers on 2,000 views
 * that is 10,000 executions per tick, most of them repeating another's work on the same value. A view's value is one
 * object for all its subscribers (live/ticker.ts), so what one execution makes of it is what every equal subscription
 * would make, as long as nothing else can change the result: the key holds everything the caller sends (document,
 * operation name, variables) and the scopes its token grants; only documents without fragments or directives share,
 * so the key's text is the whole selection. Everything else takes Yoga's usual path.
 *
 * Errors stay as on the usual path: invalid variables go that path, a failing subscribe returns its located errors,
 * a failing stream's error is wrapped as Yoga's executor wraps it, and masking (a later hook) sees every result.
 */
export function useSharedLiveResults(metrics: Metrics): Plugin<RequestContext> {
  /** Per pushed value, per key: the one execution's result. Values are dropped with the value they were made of. */
  const executions = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();

  const resultOf = (args: ExecutionArgs, key: string, payload: unknown): MaybePromise<ExecutionResult> => {
    if (payload === null || typeof payload !== 'object') {
      metrics.liveResults.inc({ result: 'executed' });
      return execute({ ...args, rootValue: payload });
    }
    let byKey = executions.get(payload);
    if (!byKey) executions.set(payload, (byKey = new Map()));
    const shared = byKey.get(key);
    if (shared) {
      metrics.liveResults.inc({ result: 'shared' });
      return shared;
    }
    metrics.liveResults.inc({ result: 'executed' });
    // As graphql-js' subscribe maps a source event: the subscription's selection executed with the event as root.
    const result = execute({ ...args, rootValue: payload });
    byKey.set(key, result);
    return result;
  };

  return {
    onSubscribe({ args, setSubscribeFn }) {
      const operation = sharedOperationOf(args.schema, args.document, args.operationName);
      if (!operation) return;
      // Variables that do not fit their definitions: the usual path reports them (with its own error codes).
      const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (variables.errors) return;
      const key = JSON.stringify([
        args.document.loc?.source.body ?? print(args.document),
        args.operationName ?? null,
        args.variableValues ?? null,
        args.contextValue.scopes,
      ]);
      setSubscribeFn(async (subscribeArgs) => {
        const source = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(source)) return source;
        return sharedResults(source[Symbol.asyncIterator](), operation, (payload) =>
          resultOf(subscribeArgs, key, payload),
        );
      });
    },
  };
}

/** The operation when the document may share results: one live view field, no fragments, no directives. */
function sharedOperationOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return undefined;
  const [root, ...more] = operation.selectionSet.selections;
  if (!root || more.length || root.kind !== Kind.FIELD) return undefined;
  const field = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field?.extensions[SHARED_LIVE_RESULTS]) return undefined;
  let plain = true;
  visit(document, {
    enter(node) {
      if (
        node.kind === Kind.FRAGMENT_DEFINITION ||
        node.kind === Kind.FRAGMENT_SPREAD ||
        node.kind === Kind.INLINE_FRAGMENT ||
        node.kind === Kind.DIRECTIVE
      ) {
        plain = false;
        return BREAK;
      }
      return undefined;
    },
  });
  return plain ? operation : undefined;
}

/** The source's values mapped to their (shared) results; returning it returns the source. */
function sharedResults(
  source: AsyncIterator<unknown>,
  operation: OperationDefinitionNode,
  resultOf: (payload: unknown) => MaybePromise<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  return {
    async next() {
      let step: IteratorResult<unknown>;
      try {
        step = await source.next();
      } catch (error) {
        throw wrapped(error, operation);
      }
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await resultOf(step.value), done: false };
      } catch (error) {
        throw wrapped(error, operation);
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A stream's failure, wrapped as Yoga's executor (@graphql-tools/executor) wraps it: masking then decides. */
function wrapped(error: unknown, operation: OperationDefinitionNode): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, nodes: [operation] });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
