import { mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';
import { ensureDatabase, migrate, REPO_ROOT, startEmbeddedCluster, type Logger } from '@pmd/db';

/**
 * The benchmark's database: DATABASE_URL's server when set, else an embedded PostgreSQL kept in `.data/<name>` so a
 * second run reuses the loaded data instead of generating it again. `migrateTo` applies the migrations (a baseline
 * revision's own: see revision.ts); this checkout's by default.
 */
export async function openBenchDatabase(
  name: string,
  log: Logger,
  migrateTo: (url: string) => Promise<unknown> = (url) => migrate(url, log),
): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const url = await ensureDatabase(process.env.DATABASE_URL, name);
    await migrateTo(url);
    return { url, stop: async () => {} };
  }
  const dataDir = path.join(REPO_ROOT, '.data', name);
  await mkdir(path.dirname(dataDir), { recursive: true });
  await chmod(path.dirname(dataDir), 0o755);
  const cluster = await startEmbeddedCluster({ dataDir, persistent: true, log });
  const url = await ensureDatabase(cluster.adminUrl, name);
  await migrateTo(url);
  return { url, stop: cluster.stop };
}
