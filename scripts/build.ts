import { configOrExit } from '@pmd/db/env';
import { createLogger } from '@pmd/db/logger';
import { buildAll } from './build/build-all.ts';
import { startConfig } from './config.ts';

// `pnpm build`: the production artifacts (server/dist, worker/dist, generator/dist, prisma/dist, client/dist), each
// rebuilt only when its inputs changed. `pnpm start` runs the same build first.
const config = configOrExit('build', startConfig);
const log = createLogger('build', config.log);
try {
  await buildAll(log, config.inherited);
} catch {
  process.exit(1); // each failure is logged with its target
}
