import { stop as stopEsbuild } from 'esbuild';
import type { Logger } from '@pmd/db/logger';
import { REPO_ROOT } from '@pmd/db/repo-root';
import type { EnvSource } from '@pmd/db/env';
import { buildDashboard } from './build-dashboard.ts';
import { withBuildLock } from './build-lock.ts';
import { bundleNode } from './bundle-node.ts';
import { buildIfChanged, type BuildOutcome } from './incremental.ts';
import { BUILD_TARGETS } from './targets.ts';

/** What Vite bakes into the dashboard from the environment (client/vite.config.ts): a change rebuilds it. */
const DASHBOARD_BUILD_VARIABLE = /^(VITE_\w+|API_URL)$/;

function dashboardSettings(env: EnvSource): string {
  const baked = Object.entries(env).filter(([name]) => DASHBOARD_BUILD_VARIABLE.test(name));
  return JSON.stringify(baked.sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * `pnpm build`, also the first step of `pnpm start`: every target that changed since its last build, at once, one log
 * line each. Throws when any failed (after the others finished), naming them; their errors are logged.
 */
export async function buildAll(log: Logger, env: EnvSource, root = REPO_ROOT): Promise<BuildOutcome[]> {
  const results = await withBuildLock(root, () =>
    Promise.allSettled(
      BUILD_TARGETS.map(async (target) => {
        const outcome =
          target.kind === 'node'
            ? await buildIfChanged(root, target, () => bundleNode(root, target))
            : await buildIfChanged(root, target, () => buildDashboard(root, target), dashboardSettings(env));
        if (outcome.status === 'built') log.info({ target: target.name, ms: outcome.ms }, `${target.name} built`);
        else log.info({ target: target.name }, `${target.name} up to date`);
        return outcome;
      }),
    ).finally(() => stopEsbuild()),
  );
  const failed = BUILD_TARGETS.filter((target, index) => {
    const result = results[index]!;
    // A compile error names its file and line; the build's own stack trace would only hide it.
    if (result.status === 'rejected') {
      log.error({ target: target.name, error: (result.reason as Error).message }, `${target.name} failed`);
    }
    return result.status === 'rejected';
  });
  if (failed.length) throw new Error(`build failed: ${failed.map((target) => target.name).join(', ')}`);
  return results.map((result) => (result as PromiseFulfilledResult<BuildOutcome>).value);
}
