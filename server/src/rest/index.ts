import { eventRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { readRoutes } from './reads.ts';
import { RestRouteTable } from './router.ts';

/** Every endpoint of the original FastAPI service, mapped onto our services. */
export const restRoutes = new RestRouteTable([...healthRoutes, ...metricsRoutes, ...eventRoutes, ...readRoutes]);
