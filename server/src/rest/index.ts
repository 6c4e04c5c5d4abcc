import { eventRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { readRoutes } from './reads.ts';
import type { RestRoute } from './router.ts';

/** Every endpoint of the original FastAPI service, mapped onto our services. */
export const restRoutes: RestRoute[] = [...healthRoutes, ...eventRoutes, ...readRoutes];
