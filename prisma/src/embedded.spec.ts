import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded.ts';
import { createLogger } from './logger.ts';

async function canLogIn(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres` });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('embedded PostgreSQL superuser password', () => {
  const log = createLogger('embedded-spec');
  let root: string | undefined;
  let cluster: EmbeddedCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is random per cluster, kept 0600 in its data folder, reused, and replaces the old constant', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pmd-embedded-'));
    await chmod(root, 0o755); // the `postgres` OS user must be able to enter it
    const dataDir = path.join(root, 'data');
    const passwordFile = path.join(dataDir, 'pmd-superuser-password');
    const start = () => startEmbeddedCluster({ dataDir, persistent: true, log });

    cluster = await start();
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(new URL(cluster.adminUrl).password).toBe(password);
    expect(await canLogIn(cluster.port, 'postgres')).toBe(false);

    // A data folder from before: the constant password and no file.
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query(`ALTER ROLE postgres PASSWORD 'postgres'`);
    await admin.end();
    await cluster.stop();
    await unlink(passwordFile);

    cluster = await start();
    const migrated = readFileSync(passwordFile, 'utf8').trim();
    expect(migrated).toMatch(/^[\w-]{32}$/);
    expect(migrated).not.toBe(password);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(await canLogIn(cluster.port, 'postgres')).toBe(false);
    expect(await canLogIn(cluster.port, migrated)).toBe(true);

    // Later starts reuse the stored password.
    await cluster.stop();
    cluster = await start();
    expect(new URL(cluster.adminUrl).password).toBe(migrated);
    expect(await canLogIn(cluster.port, migrated)).toBe(true);
  }, 120_000);
});
