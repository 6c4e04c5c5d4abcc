import { Client, makeErrorResult, makeResult, type Exchange, type Operation } from '@urql/vue';
import { filter, fromValue, mergeMap, pipe } from 'wonka';

/**
 * A real urql Client whose only exchange answers each operation from `respond` (fixture data) and records it, so a
 * component test can assert which operations a component sent and how it shows the answers. The end-to-end test
 * covers the real server.
 */
export function createFixtureClient(respond: (operation: Operation) => Record<string, unknown> | Error | undefined) {
  const operations: Operation[] = [];
  const fixtureExchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((operation) => operation.kind !== 'teardown'),
      mergeMap((operation) => {
        operations.push(operation);
        const answer = respond(operation);
        return fromValue(
          answer instanceof Error
            ? makeErrorResult(operation, answer)
            : makeResult(operation, { data: answer ?? null }),
        );
      }),
    );
  const client = new Client({ url: 'http://fixture.invalid/graphql', exchanges: [fixtureExchange] });
  return { client, operations };
}
