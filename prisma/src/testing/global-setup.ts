import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, startEmbeddedCluster } from '../embedded.ts';
import { createLogger } from '../logger.ts';
import { migrate } from '../migrate.ts';
import type {} from '../testing.ts';

/**
 * Vitest global setup: a PostgreSQL for the whole run (DATABASE_URL's server, or a throwaway embedded cluster), with a
 * template database migrated once. Test files clone it (`CREATE DATABASE … TEMPLATE …`), so they never share state.
 */
export default async function setup(project: TestProject) {
  const log = createLogger('test-db');
  const cluster = process.env.DATABASE_URL
    ? { adminUrl: process.env.DATABASE_URL, stop: async () => {} }
    : await startEmbeddedCluster({
        dataDir: path.join(await traversableTempDir(), 'data'),
        persistent: false,
        log,
      });
  const templateDatabase = `pmd_template_${process.pid}_${Date.now().toString(36)}`;
  try {
    await migrate(await ensureDatabase(cluster.adminUrl, templateDatabase), log);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide('pgAdminUrl', cluster.adminUrl);
  project.provide('pgTemplateDatabase', templateDatabase);

  return async () => {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(templateDatabase)} WITH (FORCE)`);
    await admin.end();
    await cluster.stop();
  };
}

/** mkdtemp makes a 0700 folder; the `postgres` OS user that runs the cluster must be able to enter it. */
async function traversableTempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pmd-test-pg-'));
  await chmod(dir, 0o755);
  return dir;
}
