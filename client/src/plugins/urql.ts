import { cacheExchange, Client, fetchExchange, subscriptionExchange } from '@urql/vue';
import { createClient as createWsClient } from 'graphql-ws';
import type { ApiEndpoints } from '@/lib/api-url.ts';
import type { LiveStatus } from '@/composables/useLiveStatus.ts';

/**
 * Queries and mutations over HTTP, subscriptions over one graphql-ws socket that retries forever (a wall screen must
 * recover from an API restart on its own); the socket's events drive the live indicator.
 */
export function createApiClient(endpoints: ApiEndpoints, liveStatus: LiveStatus): Client {
  const ws = createWsClient({
    url: endpoints.ws,
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // A ping every 10 s notices a silently dropped connection (sleeping laptop, flaky Wi-Fi).
    keepAlive: 10_000,
    on: {
      connecting: () => liveStatus.onConnecting(),
      connected: () => liveStatus.onConnected(),
      closed: () => liveStatus.onClosed(),
    },
  });

  return new Client({
    url: endpoints.http,
    exchanges: [
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
