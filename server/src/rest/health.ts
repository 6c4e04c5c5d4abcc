import { json, type RestRoute } from './router.ts';

/** `GET /health`: `{"status":"ok"}` when the database answers, 503 with the reason when it does not. */
export const healthRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/health',
    scope: 'public',
    handler: async ({ app }) => {
      try {
        // The primary, even with READ_DATABASE_URL: without it nothing can be ingested or acknowledged.
        await app.pool.query('SELECT 1');
        return json({ status: 'ok' });
      } catch (error) {
        // The reason names no address or driver message: /health is public; the log has the details.
        app.log.warn({ err: error }, 'health check: database unreachable');
        return json({ status: 'unavailable', reason: 'database unreachable' }, 503);
      }
    },
  },
];
