import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@pmd/db';

/** A `start` script the supervisor can run without a shell: `node` and its arguments, nothing else. */
const PLAIN_NODE_COMMAND = /^node(\s+[\w./=:@-]+)+$/;

/**
 * The Node arguments of a package's `start` script (`node --enable-source-maps dist/index.js` → the arguments after
 * `node`), to be run in the package folder. The script stays the one definition of how a service runs (the image runs
 * it too, heap cap included); the supervisor runs it directly rather than through pnpm, which would stand between it
 * and the service and report every stop by signal as `ELIFECYCLE Command failed`.
 */
export function serviceNodeArgs(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = manifest.scripts?.start?.trim() ?? '';
  if (!PLAIN_NODE_COMMAND.test(script)) {
    throw new Error(
      `${dir}/package.json: the start script must be \`node <arguments>\`, got ${JSON.stringify(script)}`,
    );
  }
  return script.split(/\s+/).slice(1);
}
