import type { Logger } from '@pmd/db';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import {
  DATABASE_UNAVAILABLE_CODE,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
  RETRY_AFTER_SECONDS,
} from './database-unavailable.ts';

/**
 * Turns resolver errors caused by an unreachable database into `DATABASE_UNAVAILABLE` errors answered with HTTP 503 and
 * Retry-After. It runs before Yoga's error masking (user plugins come first), and the error it puts in place has no
 * original error, so masking keeps it as it is; any other error is still masked.
 */
export function useDatabaseUnavailable(log: Logger): Plugin {
  const translate = (result: ExecutionResult, setResult: (result: ExecutionResult) => void) => {
    const cause = result.errors?.find((error) => isDatabaseUnavailable(error.originalError));
    if (!cause || !result.errors) return;
    log.warn({ err: cause.originalError, path: cause.path }, 'database unavailable');
    setResult({
      ...result,
      errors: result.errors.map((error) =>
        isDatabaseUnavailable(error.originalError)
          ? new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
              nodes: error.nodes,
              path: error.path,
              extensions: {
                code: DATABASE_UNAVAILABLE_CODE,
                http: { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
              },
            })
          : error,
      ),
    });
  };
  return {
    onExecute() {
      return {
        onExecuteDone: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => translate(result, setResult)),
      };
    },
  };
}
