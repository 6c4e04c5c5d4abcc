import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, startEmbeddedCluster } from './embedded.ts';
import type { Logger } from './logger.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'postgres');
const DEFAULT_DATABASE = 'perf_mktg_dash';
/** Preferred port of the embedded cluster; any free port is used when it is taken. */
const DEFAULT_EMBEDDED_PORT = 54329;

export interface DatabaseHandle {
  url: string;
  /** True when this process started an embedded PostgreSQL (and must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The database every command uses: `DATABASE_URL` when set, otherwise an embedded PostgreSQL whose data lives in
 * `.data/postgres` (EMBEDDED_PG_DIR overrides) and survives restarts.
 */
export async function openDatabase(log: Logger): Promise<DatabaseHandle> {
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, embedded: false, stop: async () => {} };
  const cluster = await startEmbeddedCluster({
    dataDir: process.env.EMBEDDED_PG_DIR ?? DEFAULT_DATA_DIR,
    port: Number(process.env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT),
    persistent: true,
    log,
  });
  try {
    const url = await ensureDatabase(cluster.adminUrl, DEFAULT_DATABASE);
    return { url, embedded: true, stop: cluster.stop };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
