import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';

// PostgreSQL returns bigint (COUNT, SUM of integers) as text by default; our sums fit in a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseClients {
  /** Prisma for typed reads and writes of single rows. */
  db: PrismaClient;
  /** The same connection pool, for set-based SQL on hot paths (ingest, KPI windows, rollups). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A plain pool with our session settings, e.g. a second one that keeps a load off the main pool. */
export function createPool(
  connectionString: string,
  options: { max?: number; /** Names the pool's sessions in pg_stat_activity. */ applicationName?: string } = {},
): pg.Pool {
  // Every bucket (minute, hour, UTC day) is computed in UTC whatever the server's TimeZone setting.
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    options: '-c TimeZone=UTC',
    application_name: options.applicationName,
  });
  // A dropped idle connection (database restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

export function createDatabaseClients(connectionString: string, options: { max?: number } = {}): DatabaseClients {
  const pool = createPool(connectionString, options);
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    db,
    pool,
    close: async () => {
      await db.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
