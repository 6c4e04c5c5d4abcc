import { eventRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { readRoutes } from './reads.ts';
import type { RestRoute } from './router.ts';

/** Every endpoint of the original FastAPI service, mapped onto our services. */
export const restRoutes: RestRoute[] = [...healthRoutes, ...metricsRoutes, ...eventRoutes, ...readRoutes];
