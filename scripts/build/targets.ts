/**
 * What `pnpm build` produces. Each target names the files its output is made from (`inputs`, folders or files relative
 * to the repo root): their hash decides whether it is rebuilt (incremental.ts). A Node target's bundle is checked
 * against them (bundle-node.ts), so a new workspace import that is not listed fails the build instead of being missed.
 */
export interface NodeTarget {
  kind: 'node';
  name: string;
  /** The package folder: its `package.json` dependencies are what the bundle may import from node_modules. */
  packageDir: string;
  /** Entry point, relative to `packageDir`. */
  entry: string;
  /** The bundle, relative to `packageDir`: what the package's `start` script and the image run. */
  output: string;
  inputs: string[];
}

export interface DashboardTarget {
  kind: 'dashboard';
  name: string;
  packageDir: string;
  /** Relative to `packageDir`; Vite writes the whole `dist/` folder. */
  output: string;
  inputs: string[];
}

export type BuildTarget = NodeTarget | DashboardTarget;

/** Inputs of every target: the installed versions of the packages and the build itself. */
export const SHARED_INPUTS = ['pnpm-lock.yaml', 'tsconfig.base.json', 'scripts/build'];

/** @pmd/db with @pmd/domain, which every Node target bundles. */
const DATABASE_PACKAGE = ['prisma/src', 'prisma/package.json', 'domain/src', 'domain/package.json'];

export const BUILD_TARGETS: BuildTarget[] = [
  {
    kind: 'node',
    name: 'server',
    packageDir: 'server',
    entry: 'src/index.ts',
    output: 'dist/index.js',
    inputs: ['server/src', 'server/package.json', ...DATABASE_PACKAGE],
  },
  {
    kind: 'node',
    name: 'worker',
    packageDir: 'worker',
    entry: 'src/index.ts',
    output: 'dist/index.js',
    inputs: ['worker/src', 'worker/package.json', ...DATABASE_PACKAGE],
  },
  {
    kind: 'node',
    name: 'generator',
    packageDir: 'generator',
    entry: 'src/cli.ts',
    output: 'dist/cli.js',
    inputs: ['generator/src', 'generator/package.json', 'testkit/src/random.ts', ...DATABASE_PACKAGE],
  },
  {
    // The migrator alone (`node prisma/dist/cli.js migrate`): a deployment runs it once before the services.
    kind: 'node',
    name: 'migrator',
    packageDir: 'prisma',
    entry: 'src/cli.ts',
    output: 'dist/cli.js',
    inputs: DATABASE_PACKAGE,
  },
  {
    kind: 'dashboard',
    name: 'dashboard',
    packageDir: 'client',
    output: 'dist/index.html',
    inputs: [
      'client/src',
      'client/public',
      'client/index.html',
      'client/vite.config.ts',
      'client/package.json',
      'client/tsconfig.json',
      'domain/src',
      'domain/package.json',
    ],
  },
];
