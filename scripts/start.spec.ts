import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@pmd/db';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');

/** PostgreSQL processes serving `dataDir` (the embedded cluster of one start). */
function postgresProcessesFor(dataDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('postgres') && line.includes(dataDir));
}

/** Processes whose environment holds `needle` (the services a start spawned carry its API port). */
function processesWithEnv(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

async function startAndWaitHealthy(env: NodeJS.ProcessEnv, port: number) {
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: 'ignore',
  });
  const began = Date.now();
  let healthy = false;
  while (Date.now() - began < 90_000 && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok && (await response.text()) === '{"status":"ok"}') {
        healthy = true;
        break;
      }
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { child, healthy };
}

async function interrupt(child: ReturnType<typeof spawn>) {
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)),
  );
  // Ctrl-C in a terminal signals the whole foreground process group.
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

describe('pnpm start', () => {
  it('brings up a healthy API on the embedded database, stops cleanly on Ctrl-C, and reuses the data next time', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'pmd-start-'));
    await chmod(parent, 0o755); // the `postgres` OS user must be able to enter it
    const dataDir = path.join(parent, 'pg');
    const port = await freePort();
    const env = {
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: String(port),
      API_URL: `http://127.0.0.1:${port}`,
      START_SERVICES: 'server,worker',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    };
    for (const run of ['cold', 'warm']) {
      const { child, healthy } = await startAndWaitHealthy(env, port);
      expect(healthy, `${run} start became healthy`).toBe(true);
      expect(postgresProcessesFor(dataDir).length, `${run} start runs its own PostgreSQL`).toBeGreaterThan(0);
      // pnpm itself dies of the SIGINT; the launcher below it exits 0 after stopping everything.
      expect(['SIGINT', 'code 0']).toContain(await interrupt(child));
      await expect.poll(() => postgresProcessesFor(dataDir), { timeout: 15_000 }).toEqual([]);
      expect(processesWithEnv(`PORT=${port}`), `${run} start left no service running`).toEqual([]);
    }
  }, 240_000);
});
