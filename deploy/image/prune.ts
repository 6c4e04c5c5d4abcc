import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Shrinks a `pnpm deploy --prod` tree to what the built services load at run time (part of assemble.ts).
 *
 * 1. Packages nothing needs at run time: pnpm links @prisma/client to the `prisma` CLI as its optional peer because
 *    the workspace has the CLI, and the CLI brings its studio, typescript and react (~200 MB). Optional peers are the
 *    application's choice, and ours uses none, so only dependencies, optional dependencies and required peers count.
 * 2. Files no running process reads: type declarations, READMEs and source maps of dependencies (ours stay in dist),
 *    and Prisma's query compilers for other databases (the generated client loads the fast PostgreSQL one).
 */
export async function pruneRuntimeTree(root: string): Promise<{ removedPackages: number }> {
  const store = path.join(root, 'node_modules', '.pnpm');
  const needed = await reachablePackageDirs(root);
  let removedPackages = 0;
  for (const entry of await readdir(store)) {
    const entryDir = path.join(store, entry);
    if (entry === 'node_modules' || !(await lstat(entryDir)).isDirectory()) continue;
    const dirs = await packageDirsOf(path.join(entryDir, 'node_modules'));
    const used = dirs.some((dir) => needed.has(dir));
    if (!used) {
      await rm(entryDir, { recursive: true, force: true });
      removedPackages += 1;
    }
  }
  await removeUnreadFiles(store);
  return { removedPackages };
}

/** Real directories of the packages reachable from `root/package.json` through what Node can load at run time. */
async function reachablePackageDirs(root: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue: string[] = [root];
  while (queue.length) {
    const dir = queue.pop()!;
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
    // A package's own dependencies are its siblings in pnpm's layout (`.pnpm/<id>/node_modules/<name>`), or, for the
    // root, its own node_modules.
    const lookup = dir === root ? path.join(root, 'node_modules') : siblingsDir(dir, manifest.name);
    for (const name of runtimeDependencyNames(manifest)) {
      const link = path.join(lookup, name);
      if (!existsSync(link)) continue; // an optional dependency for another platform
      const target = await realpath(link);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

interface PackageManifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function runtimeDependencyNames(manifest: PackageManifest): string[] {
  const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter(
    (name) => !manifest.peerDependenciesMeta?.[name]?.optional,
  );
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...requiredPeers,
  ];
}

/** `.pnpm/<id>/node_modules/@scope/name` → `.pnpm/<id>/node_modules`. */
function siblingsDir(packageDir: string, name: string): string {
  return path.resolve(packageDir, ...name.split('/').map(() => '..'));
}

/** The real package directories in one `.pnpm/<id>/node_modules` (its package plus links to its dependencies). */
async function packageDirsOf(modulesDir: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of await readdir(modulesDir)) {
    const scoped = name.startsWith('@')
      ? (await readdir(path.join(modulesDir, name))).map((n) => `${name}/${n}`)
      : [name];
    for (const packageName of scoped) {
      const dir = path.join(modulesDir, packageName);
      if (!(await lstat(dir)).isSymbolicLink()) dirs.push(await realpath(dir));
    }
  }
  return dirs;
}

const UNREAD_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.markdown)$/i;
const PRISMA_QUERY_COMPILER = /^query_compiler_.*_bg\./;
const PRISMA_QUERY_COMPILER_USED = /^query_compiler_fast_bg\.postgresql\./;

async function removeUnreadFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await removeUnreadFiles(file);
    else if (entry.isFile() && (UNREAD_FILE.test(entry.name) || isUnusedQueryCompiler(file, entry.name)))
      await rm(file);
  }
}

function isUnusedQueryCompiler(file: string, name: string): boolean {
  return (
    file.includes(`${path.sep}@prisma${path.sep}client${path.sep}runtime${path.sep}`) &&
    PRISMA_QUERY_COMPILER.test(name) &&
    !PRISMA_QUERY_COMPILER_USED.test(name)
  );
}
