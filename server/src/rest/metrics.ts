import type { RestRoute } from './router.ts';

/** `GET /metrics`: Prometheus text format (ingest, latency, subscriptions, LISTEN, worker, rollup lag). */
export const metricsRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/metrics',
    scope: 'metrics',
    handler: async ({ app }) =>
      new Response(await app.metrics.registry.metrics(), {
        headers: { 'content-type': app.metrics.registry.contentType },
      }),
  },
];
