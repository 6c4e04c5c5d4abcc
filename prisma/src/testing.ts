import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a database on the test cluster with the right to CREATE DATABASE. */
    pgAdminUrl: string;
    /** Migrated database each test file clones its own database from. */
    pgTemplateDatabase: string;
  }
}

export interface TestDatabase {
  /** Connection URL of this test file's own database. */
  url: string;
  /** URL of the cluster's admin database (for tests that create more databases). */
  adminUrl: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template prepared by the global setup. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplateDatabase');
  const name = `pmd_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    adminUrl,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Gives the calling test file its own database for all its tests: `const database = useTestDatabase();` then
 * `database.url` inside tests and hooks.
 */
export function useTestDatabase(): { readonly url: string; readonly adminUrl: string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  return {
    get url() {
      if (!current) throw new Error('useTestDatabase(): the database exists only inside tests and hooks');
      return current.url;
    },
    get adminUrl() {
      if (!current) throw new Error('useTestDatabase(): the database exists only inside tests and hooks');
      return current.adminUrl;
    },
  };
}

export { capturedLogger, type CapturedLine } from './testing/captured-logs.ts';
