import { getOperationAST } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { RequestContext } from '../context.ts';
import type { Freshness, ReadFreshness } from '../replica/freshness.ts';

/**
 * Serves every query operation from the read database (READ_DATABASE_URL): its resolvers, and the Prisma plugin's
 * relation loads, find the read clients under the usual `db`/`pool`, so no resolver chooses a database. Mutations and
 * subscriptions keep the primary: a mutation's payload must show its own write, and a subscription re-reads the rows a
 * NOTIFY names, which a lagging standby may not have yet. A query right after the caller's own mutation may therefore
 * see the data before it; the response says as of when its data is (`extensions.dataAsOf`, `replicationLagSeconds`).
 * Installed only when READ_DATABASE_URL is set: without it responses carry no such extensions.
 */
export function useReadReplica(freshness: ReadFreshness): Plugin<RequestContext> {
  return {
    async onExecute({ args, context, extendContext }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      extendContext({ db: context.readDb, pool: context.readPool });
      // Read before the query runs: its data is at least this fresh. A standby that cannot say is logged, not fatal.
      let asOf: Freshness | undefined;
      try {
        asOf = await freshness.current();
      } catch (error) {
        context.log.warn({ err: error }, 'read replica: could not read its replay position');
      }
      if (!asOf) return;
      const known = asOf;
      return {
        onExecuteDone: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            setResult({ ...result, extensions: { ...result.extensions, ...known } });
          }),
      };
    },
  };
}
