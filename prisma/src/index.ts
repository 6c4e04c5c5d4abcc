export { createDatabaseClients, type DatabaseClients } from './client.ts';
export { openDatabase, REPO_ROOT, type DatabaseHandle } from './database.ts';
export { ensureDatabase, startEmbeddedCluster, type EmbeddedCluster } from './embedded.ts';
export { freePort } from './free-port.ts';
export { createLogger, type Logger } from './logger.ts';
export { migrate, readMigrations, MIGRATIONS_DIR } from './migrate.ts';
export * from './notify.ts';
export { Prisma, PrismaClient } from './generated/prisma/client.ts';
export type * from './generated/prisma/models.ts';
