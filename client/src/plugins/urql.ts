import { cacheExchange, Client, fetchExchange, mapExchange, subscriptionExchange } from '@urql/vue';
import { createClient as createWsClient } from 'graphql-ws';
import type { AccessState } from '@/composables/useAccess.ts';
import type { LiveStatus } from '@/composables/useLiveStatus.ts';
import type { ApiEndpoints } from '@/lib/api-url.ts';
import { bearer } from '@/lib/read-token.ts';

export interface ApiClientOptions {
  endpoints: ApiEndpoints;
  liveStatus: LiveStatus;
  access: AccessState;
  /** The READ_TOKEN to send, if any. */
  readToken: string | null;
}

/**
 * Queries and mutations over HTTP, subscriptions over one graphql-ws socket that retries forever (a wall screen must
 * recover from an API restart on its own); the socket's events drive the live indicator, and an UNAUTHENTICATED answer
 * anywhere opens the read-token prompt.
 */
export function createApiClient({ endpoints, liveStatus, access, readToken }: ApiClientOptions): Client {
  const authorization = bearer(readToken);
  const ws = createWsClient({
    url: endpoints.ws,
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // A ping every 10 s notices a silently dropped connection (sleeping laptop, flaky Wi-Fi).
    keepAlive: 10_000,
    connectionParams: authorization ? { authorization } : {},
    on: {
      connecting: () => liveStatus.onConnecting(),
      connected: () => liveStatus.onConnected(),
      closed: () => liveStatus.onClosed(),
    },
  });

  return new Client({
    url: endpoints.http,
    fetchOptions: authorization ? { headers: { authorization } } : {},
    exchanges: [
      mapExchange({
        onError(error) {
          if (
            error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') ||
            error.response?.status === 401
          ) {
            access.denied = true;
          }
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
