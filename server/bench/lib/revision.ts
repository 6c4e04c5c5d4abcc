import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrate, REPO_ROOT, type Logger } from '@pmd/db';

const run = promisify(execFile);

/** A checkout of the repository a benchmark measures: this one, or a `--baseline` revision measured in the same run. */
export interface Revision {
  /** What the tables call it: `this checkout`, or `baseline <short sha>`. */
  label: string;
  /** The commit measured; null for this checkout's working tree. */
  sha: string | null;
  /** The repository root holding that revision's server, migrations and installed packages. */
  root: string;
  /** Applies that revision's own migrations to `databaseUrl`. */
  migrate(databaseUrl: string): Promise<void>;
  /** Removes the checkout (nothing for this one). */
  dispose(): Promise<void>;
}

export function currentRevision(log: Logger): Revision {
  return {
    label: 'this checkout',
    sha: null,
    root: REPO_ROOT,
    migrate: async (databaseUrl) => void (await migrate(databaseUrl, log)),
    dispose: async () => {},
  };
}

/**
 * `rev` checked out into a temporary git worktree, its packages installed from the local store (no network) and its
 * Prisma client generated, so its server runs its own code against a database migrated by its own migrations.
 */
export async function checkoutRevision(rev: string, log: Logger): Promise<Revision> {
  const sha = (await run('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: REPO_ROOT })).stdout.trim();
  const parent = await mkdtemp(path.join(tmpdir(), 'pmd-baseline-'));
  const root = path.join(parent, 'repo');
  const inRoot = (file: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    run(file, args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
  log.info({ rev, sha, root }, 'checking out the baseline');
  await run('git', ['worktree', 'add', '--detach', root, sha], { cwd: REPO_ROOT });
  const dispose = async () => {
    await run('git', ['worktree', 'remove', '--force', root], { cwd: REPO_ROOT }).catch((error: unknown) =>
      log.warn({ err: error, root }, 'could not remove the baseline worktree'),
    );
    await rm(parent, { recursive: true, force: true });
  };
  try {
    await inRoot('pnpm', ['install', '--offline', '--frozen-lockfile']);
    await inRoot('pnpm', ['db:generate']);
  } catch (error) {
    await dispose();
    throw error;
  }
  log.info({ sha }, 'baseline installed');
  return {
    label: `baseline ${sha.slice(0, 10)}`,
    sha,
    root,
    migrate: async (databaseUrl) =>
      void (await inRoot('pnpm', ['db:migrate'], { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' })),
    dispose,
  };
}

/** This checkout, then the `--baseline` revision when one was asked for. */
export async function revisionsToMeasure(baseline: string | undefined, log: Logger): Promise<Revision[]> {
  const current = currentRevision(log);
  return baseline ? [current, await checkoutRevision(baseline, log)] : [current];
}
