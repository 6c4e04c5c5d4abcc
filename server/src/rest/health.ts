import { json, type RestRoute } from './router.ts';

/** `GET /health`: `{"status":"ok"}` when the database answers, 503 with the reason when it does not. */
export const healthRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/health',
    handler: async ({ app }) => {
      try {
        await app.pool.query('SELECT 1');
        return json({ status: 'ok' });
      } catch (error) {
        return json({ status: 'unavailable', reason: `database unreachable: ${(error as Error).message}` }, 503);
      }
    },
  },
];
