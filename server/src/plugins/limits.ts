import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';

/** Limits that keep one request from taking the server down; each refusal says which limit and by how much. */
export const REQUEST_LIMITS = {
  /** Bytes of an HTTP body: a full 10,000-event batch with the longest ids allowed fits comfortably. */
  maxBodyBytes: 32 * 1024 * 1024,
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

/** Refuses bodies over the limit with 413 before reading them (by Content-Length; chunked bodies are counted). */
export function useBodySizeLimit(maxBytes = REQUEST_LIMITS.maxBodyBytes): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBytes) {
        endResponse(
          new Response(JSON.stringify({ detail: `request body of ${declared} bytes exceeds the ${maxBytes}-byte limit` }), {
            status: 413,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
  };
}
