import { GraphQLError, Kind, visit, type DocumentNode, type TypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { textProblem } from '../services/text-safety.ts';

/**
 * Event inputs are checked by the ingest rules, one event at a time (a bad event is rejected by index, the others
 * are stored); everything else with text PostgreSQL cannot store is refused before it reaches a query.
 */
const PER_EVENT_ARGUMENTS = new Set(['event', 'events']);
const PER_EVENT_INPUT = 'EventInput';

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

function problemIn(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? `${path}: ${problem}` : null;
  }
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = problemIn(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

function textProblemOf(document: DocumentNode, variables: Record<string, unknown> | undefined | null): string | null {
  const skippedVariables = new Set<string>();
  let found: string | null = null;
  visit(document, {
    VariableDefinition(node) {
      if (namedTypeOf(node.type) === PER_EVENT_INPUT) skippedVariables.add(node.variable.name.value);
    },
    Argument(node) {
      if (PER_EVENT_ARGUMENTS.has(node.name.value)) return false;
      return undefined;
    },
    StringValue(node) {
      const problem = textProblem(node.value);
      if (problem && !found) found = `a string literal in the document: ${problem}`;
    },
  });
  if (found) return found;
  for (const [name, value] of Object.entries(variables ?? {})) {
    if (skippedVariables.has(name)) continue;
    found = problemIn(value, `$${name}`);
    if (found) return found;
  }
  return found;
}

/** Refuses NUL characters and unpaired surrogates in arguments with a 422 naming where they are. */
export function useTextSafety(): Plugin {
  const check = (args: { document: DocumentNode; variableValues?: Record<string, unknown> | null }) => {
    const problem = textProblemOf(args.document, args.variableValues);
    return problem
      ? new GraphQLError(problem, { extensions: { code: 'BAD_USER_INPUT', http: { status: 422 } } })
      : null;
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
