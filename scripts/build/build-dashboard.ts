import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DashboardTarget } from './targets.ts';

/**
 * `vite build` of the dashboard into client/dist, in a child process (Vite is the client package's dependency, and its
 * memory is gone when it ends). No vue-tsc here: type checks belong to `pnpm test`. Vite's report of every asset is
 * kept for a failure, which shows its tail.
 */
export async function buildDashboard(root: string, target: DashboardTarget): Promise<void> {
  const packageDir = path.join(root, target.packageDir);
  const vite = spawn(process.execPath, [path.join(packageDir, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  vite.stdout.on('data', keep);
  vite.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    vite.once('error', reject);
    vite.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${target.name}: vite build exited with ${code}:\n${output.trim()}`);
}
