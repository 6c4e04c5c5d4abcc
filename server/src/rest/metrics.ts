import { Response } from '@whatwg-node/fetch';
import type { RestRoute } from './router.ts';

/**
 * `GET /metrics`: Prometheus text format (ingest, latency, subscriptions, LISTEN, worker, rollup lag). The Response is
 * Yoga's server adapter's own, as in router.ts's `json`.
 */
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
