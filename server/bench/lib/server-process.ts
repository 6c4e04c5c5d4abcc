import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, REPO_ROOT } from '@pmd/db';

export interface ServerProcess {
  baseUrl: string;
  wsUrl: string;
  /** Resident set size of the server process, in MiB. */
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs the API in its own Node process (as in production), so client load does not share its event loop. `root` is
 * the repository whose server runs (a `--baseline` checkout: see revision.ts). `BENCH_SERVER_NODE_ARGS` adds Node
 * flags to that process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile or `--max-old-space-size=256` to
 * run under production's heap cap.
 */
export async function startServerProcess(databaseUrl: string, root = REPO_ROOT): Promise<ServerProcess> {
  const port = await freePort(0);
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(root, 'server/src/index.ts')],
    {
      cwd: path.join(root, 'server'),
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the server process did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    rssMiB: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
