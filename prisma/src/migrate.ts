import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger.ts';
import { REPO_ROOT } from './repo-root.ts';

export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');

/** Arbitrary constant: every migrator of this project takes the same advisory lock, so concurrent runs queue up. */
const MIGRATION_LOCK_KEY = 727_001_2026;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the SQL migrations in prisma/migrations in name order, each in its own transaction, recorded in Prisma's
 * `_prisma_migrations` table. Runs under an advisory lock, so several processes may call it at once. Refuses to run
 * when a migration that was already applied has been edited since. `through` stops after the migration of that name
 * (a test that fills the schema as it was before a migration, then applies it).
 */
export async function migrate(
  connectionString: string,
  log: Logger,
  dir = MIGRATIONS_DIR,
  through?: string,
): Promise<string[]> {
  const migrations = (await readMigrations(dir)).filter((m) => through === undefined || m.name <= through);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum" VARCHAR(64) NOT NULL,
        "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL,
        "logs" TEXT,
        "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const edited = migrations.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum);
    if (edited.length) {
      throw new Error(
        `applied migrations were edited since they ran: ${edited.map((m) => m.name).join(', ')}; ` +
          'add a new migration instead of changing an applied one',
      );
    }
    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const migration of pending) {
      const started = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      log.info({ migration: migration.name, ms: Date.now() - started }, 'migration applied');
    }
    if (!pending.length) log.debug('database schema is up to date');
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
