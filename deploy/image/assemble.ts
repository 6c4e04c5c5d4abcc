import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pruneRuntimeTree } from './prune.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What the image's /app holds besides node_modules: the outputs of `pnpm build` and the files they read at run time
 * (the worker's crontab, the migrations the migrator applies, the dashboard the server serves).
 */
export const RUNTIME_FILES = [
  'server/dist',
  'worker/dist',
  'worker/crontab',
  'generator/dist',
  'prisma/dist',
  'prisma/migrations',
  'client/dist',
] as const;

/**
 * Builds the runtime tree of the image in `dest` from a built checkout: production node_modules of deploy/image
 * (its package.json, with "type": "module", becomes /app/package.json), pruned, and RUNTIME_FILES. The Dockerfile's
 * build stage runs this; `pnpm bench:image` runs it into a temporary folder to measure the same tree.
 */
export async function assembleImageTree(dest: string): Promise<void> {
  const missing = RUNTIME_FILES.filter((file) => !existsSync(path.join(REPO_ROOT, file)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run \`pnpm build\` first`);
  await rm(dest, { recursive: true, force: true });
  // Offline: the packages come from the store `pnpm install` filled, resolved by the lockfile, as in the image.
  execFileSync('pnpm', ['--filter', '@pmd/image', 'deploy', '--prod', '--offline', dest], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // pnpm deploy leaves the files it installed from; the image needs only node_modules and package.json.
  await rm(path.join(dest, 'pnpm-lock.yaml'), { force: true });
  await rm(path.join(dest, 'pnpm-workspace.yaml'), { force: true });
  await pruneRuntimeTree(dest);
  for (const file of RUNTIME_FILES) {
    await cp(path.join(REPO_ROOT, file), path.join(dest, file), { recursive: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dest = process.argv[2];
  if (!dest) {
    console.error('usage: tsx deploy/image/assemble.ts <destination folder>');
    process.exit(2);
  }
  await assembleImageTree(path.resolve(dest));
}
