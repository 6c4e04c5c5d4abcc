export { createDatabaseClients, createPool, type DatabaseClients } from './client.ts';
export { openDatabase, type DatabaseHandle } from './database.ts';
export { REPO_ROOT } from './repo-root.ts';
export { ensureDatabase, startEmbeddedCluster, type EmbeddedCluster } from './embedded.ts';
export { freePort } from './free-port.ts';
export { stopOnSignals } from './shutdown.ts';
export { createLogger, type Logger } from './logger.ts';
export * from './env.ts';
export { migrate, readMigrations, MIGRATIONS_DIR } from './migrate.ts';
export { dayPartitions, indexClosedDays } from './raw-event-partitions.ts';
export { readRetentionHorizons, recordRetentionHorizons } from './retention-horizons.ts';
// The domain (metric registry, formulas, limits, NOTIFY channels and payloads), for callers that import @pmd/db.
export * from '@pmd/domain';
export {
  INGEST_SQL,
  storeEvents,
  storeEventsAssumingNewIds,
  type EventRow,
  type StoredEvents,
  type StoreEventsOptions,
} from './store-events.ts';
export { Prisma, PrismaClient } from './generated/prisma/client.ts';
export type * from './generated/prisma/models.ts';
