import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { migrate, MIGRATIONS_DIR } from '../src/migrate.ts';
import { useTestDatabase } from '../src/testing.ts';

const log = createLogger('migrate-test');

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations ORDER BY 1',
  );
  await client.end();
  return rows.map((row) => row.migration_name);
}

describe('migrate', () => {
  const database = useTestDatabase();

  it('is a no-op on an up-to-date database, even from several processes at once', async () => {
    const results = await Promise.all([
      migrate(database.url, log),
      migrate(database.url, log),
      migrate(database.url, log),
    ]);
    expect(results).toEqual([[], [], []]);
  });

  it('applies a new migration once when several migrators race, then records it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pmd-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const name = '29991231000000_add_note';
    await cp(path.join(dir, '20261125110000_init'), path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'migration.sql'), 'ALTER TABLE alerts ADD COLUMN note TEXT;');
    const results = await Promise.all([migrate(database.url, log, dir), migrate(database.url, log, dir)]);
    expect(results.flat()).toEqual([name]);
    expect(await appliedMigrations(database.url)).toContain(name);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pmd-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, '20261125110000_init', 'migration.sql'), '-- edited\n');
    await expect(migrate(database.url, log, dir)).rejects.toThrow(/edited since they ran: 20261125110000_init/);
  });

  it('rolls back a failing migration entirely', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pmd-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const name = '29991231000001_broken';
    await cp(path.join(dir, '20261125110000_init'), path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'migration.sql'), 'CREATE TABLE half_done (id int); SELECT 1/0;');
    await expect(migrate(database.url, log, dir)).rejects.toThrow(/29991231000001_broken failed: division by zero/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
    await client.end();
    expect(rowCount).toBe(0);
    expect(await appliedMigrations(database.url)).not.toContain(name);
  });
});
