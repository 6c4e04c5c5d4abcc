import { createHash } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const clientRoot = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = path.join(clientRoot, '..');

/** Everything the bundle is made of: a change to any of these files makes a new build. */
const BUILD_INPUTS = [
  'client/src',
  'client/public',
  'client/index.html',
  'client/vite.config.ts',
  'client/package.json',
  'domain/src',
  // Dependency versions (Vue, ECharts, Vite itself).
  'pnpm-lock.yaml',
];
/** Build-time variables that would bake an address or a token into the bundle: the e2e build carries neither. */
const BAKED_VARIABLES = ['VITE_API_URL', 'VITE_READ_TOKEN'] as const;

async function filesUnder(relative: string): Promise<string[]> {
  const absolute = path.join(repoRoot, relative);
  try {
    const entries = await readdir(absolute, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return [absolute];
    throw error;
  }
}

/** A hash of the build's inputs (paths and contents), so one build serves every e2e file of a run and later runs. */
async function inputsHash(): Promise<string> {
  const files = (await Promise.all(BUILD_INPUTS.map(filesUnder))).flat().sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(path.relative(repoRoot, file))
      .update('\0')
      .update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The production build of the dashboard, made once per change of its sources: a folder under the OS tmpdir named by
 * the hash of its inputs. The build bakes in no API address (the dashboard finds the API at its own origin), so every
 * test server serves the same files; a build costs 20–40 s on two cores. Concurrent test files that miss the cache
 * build side by side and the first to finish publishes its folder.
 */
export async function buildDashboard(): Promise<string> {
  const outDir = path.join(tmpdir(), `pmd-dashboard-${await inputsHash()}`);
  if (await exists(path.join(outDir, 'index.html'))) return outDir;
  const scratch = await mkdtemp(path.join(tmpdir(), 'pmd-dashboard-build-'));
  const previous = BAKED_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of BAKED_VARIABLES) delete process.env[name];
  try {
    await build({
      root: clientRoot,
      configFile: path.join(clientRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: scratch, emptyOutDir: true },
    });
  } finally {
    for (const [name, value] of previous) if (value !== undefined) process.env[name] = value;
  }
  try {
    await rename(scratch, outDir);
  } catch {
    // Another test file published the same build first.
    await rm(scratch, { recursive: true, force: true });
  }
  return outDir;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
