import { eventRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { readRoutes } from './reads.ts';
import { RestRouteTable } from './router.ts';
import { spendRoutes } from './spend.ts';

/** Every endpoint of the original FastAPI service, and POST /spend, mapped onto our services. */
export const restRoutes = new RestRouteTable([
  ...healthRoutes,
  ...metricsRoutes,
  ...eventRoutes,
  ...spendRoutes,
  ...readRoutes,
]);
