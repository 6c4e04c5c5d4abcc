import { commonConfig, type DatabaseConfig } from './env.ts';
import { ensureDatabase, startEmbeddedCluster, type EmbeddedCluster, type EmbeddedClusterOptions } from './embedded.ts';
import type { Logger } from './logger.ts';

const DEFAULT_DATABASE = 'perf_mktg_dash';

export interface DatabaseHandle {
  url: string;
  /** True when this process started an embedded PostgreSQL (and must stop it). */
  embedded: boolean;
  /** Embedded only: settles when its PostgreSQL ends, stopped or not (a crash, a kill). */
  exited?: Promise<void>;
  /**
   * Embedded only, after `exited`: starts PostgreSQL again on the same data folder and port, so `url` stays valid
   * (it replays its WAL on start: committed work survives a crash). Resolves to the handle of the new run.
   */
  restart?(): Promise<DatabaseHandle>;
  stop(): Promise<void>;
}

/**
 * The database every command uses: `DATABASE_URL` when set, otherwise an embedded PostgreSQL whose data lives in
 * `.data/postgres` (EMBEDDED_PG_DIR overrides) and survives restarts.
 */
export async function openDatabase(
  log: Logger,
  config: DatabaseConfig = commonConfig().database,
): Promise<DatabaseHandle> {
  if (config.url) return { url: config.url, embedded: false, stop: async () => {} };
  const options: EmbeddedClusterOptions = {
    dataDir: config.embeddedDir,
    port: config.embeddedPort,
    persistent: true,
    log,
  };
  const cluster = await startEmbeddedCluster(options);
  try {
    const url = await ensureDatabase(cluster.adminUrl, DEFAULT_DATABASE);
    return embeddedHandle(cluster, url, { ...options, port: cluster.port, exactPort: true });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

function embeddedHandle(cluster: EmbeddedCluster, url: string, options: EmbeddedClusterOptions): DatabaseHandle {
  return {
    url,
    embedded: true,
    exited: cluster.exited,
    restart: async () => embeddedHandle(await startEmbeddedCluster(options), url, options),
    stop: cluster.stop,
  };
}
