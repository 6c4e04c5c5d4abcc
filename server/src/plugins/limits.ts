import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';

/**
 * Limits that keep one request, or many, from taking the server down (it runs with a 256 MB heap); each refusal says
 * which limit. test/security/memory.spec.ts sends the worst bodies these limits allow and measures the server.
 */
export const REQUEST_LIMITS = {
  /**
   * Bytes of an HTTP body: a 10,000-event batch with 128-character ASCII ids is about 6 MB; 16 MiB leaves room for
   * long non-ASCII ids without letting a body's decoded text crowd the heap.
   */
  maxBodyBytes: 16 * 1024 * 1024,
  /** JSON values in a body: a 10,000-event batch has 80,000 (8 per event); `[{},{},…]` stops here. */
  maxJsonValues: 100_000,
  /** JSON nesting: events are 2 deep, GraphQL variables a few more; deep arrays stop here. */
  maxJsonDepth: 32,
  /** A body must arrive within this time, so trickling bodies do not hold connections (Node's default is 300 s). */
  bodyTimeoutMs: 15_000,
  /** Bytes of bodies held at once by the whole process (three bodies of the largest size). */
  bodyBudgetBytes: 48 * 1024 * 1024,
  /** Bytes of one websocket message (ws's default is 100 MiB): subscribe messages are small; batches go over HTTP. */
  maxWebSocketMessageBytes: 64 * 1024,
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 5_000,
  maxCost: 20_000,
  maxDirectives: 20,
};

/**
 * graphql-armor's depth, alias, token, directive and cost limits. Introspection stays allowed (GraphiQL needs it);
 * field suggestions stay on, since this API's schema is public in GraphiQL anyway.
 */
export function useQueryLimits(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: REQUEST_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: REQUEST_LIMITS.maxAliases },
    maxTokens: { n: REQUEST_LIMITS.maxTokens },
    maxDirectives: { n: REQUEST_LIMITS.maxDirectives },
    costLimit: { maxCost: REQUEST_LIMITS.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}
