import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashInputs } from './input-hash.ts';
import { SHARED_INPUTS, type BuildTarget } from './targets.ts';

export type BuildOutcome = { target: string; status: 'built'; ms: number } | { target: string; status: 'up to date' };

/** Next to the output: deleting the output folder deletes it too, and forces the rebuild that must follow. */
function stampFile(root: string, target: BuildTarget): string {
  return path.join(root, target.packageDir, path.dirname(target.output), '.build-stamp');
}

/**
 * Runs `build` unless the target's output exists and its stamp holds the hash of its current inputs (and `settings`,
 * what else is baked into the output). The stamp is removed before building and written only after success, so a
 * failed or interrupted build is retried next time instead of passing for up to date.
 */
export async function buildIfChanged(
  root: string,
  target: BuildTarget,
  build: () => Promise<void>,
  settings = '',
): Promise<BuildOutcome> {
  const stamp = stampFile(root, target);
  const hash = await hashInputs(root, [...SHARED_INPUTS, ...target.inputs], settings);
  const recorded = await readFile(stamp, 'utf8').catch(() => undefined);
  if (recorded === hash && existsSync(path.join(root, target.packageDir, target.output))) {
    return { target: target.name, status: 'up to date' };
  }
  const started = Date.now();
  await rm(stamp, { force: true });
  await build();
  await writeFile(stamp, hash);
  return { target: target.name, status: 'built', ms: Date.now() - started };
}
