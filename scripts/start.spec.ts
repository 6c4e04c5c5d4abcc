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

/** Processes with an environment variable for which `matches` holds (the services a start spawned carry its ports). */
function processesWithEnv(matches: (variable: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some(matches);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

/** A start of server and worker of its own: an embedded PostgreSQL in a temp folder, free ports, JSON logs at warn. */
async function isolatedStart(prefix: string) {
  const parent = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(parent, 0o755); // the `postgres` OS user must be able to enter it
  const dataDir = path.join(parent, 'pg');
  const port = await freePort();
  const env = {
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    PORT: String(port),
    DASHBOARD_PORT: String(await freePort()),
    API_URL: `http://127.0.0.1:${port}`,
    START_SERVICES: 'server,worker',
    DATABASE_URL: '',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
  };
  return { dataDir, port, env };
}

/** `pnpm start` in a process group of its own, as a terminal runs it, with everything it prints kept. */
async function startAndWaitHealthy(env: NodeJS.ProcessEnv, port: number) {
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const began = Date.now();
  let healthy = false;
  while (Date.now() - began < 120_000 && child.exitCode === null) {
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
  return { child, healthy, output: () => output };
}

/** The JSON log lines of `output` at error level or above (pino: 50 error, 60 fatal). */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return false; // not a log line
    }
  });
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
    const { dataDir, port, env } = await isolatedStart('pmd-start-');
    for (const run of ['cold', 'warm']) {
      const { child, healthy, output } = await startAndWaitHealthy(env, port);
      expect(healthy, `${run} start became healthy`).toBe(true);
      expect(postgresProcessesFor(dataDir).length, `${run} start runs its own PostgreSQL`).toBeGreaterThan(0);
      // The services (what the supervisor hands the database's URL) run from the build, not through pnpm or tsx.
      const databaseUrl = new RegExp(`^DATABASE_URL=postgresql://[^/]*:${env.EMBEDDED_PG_PORT}/`);
      const services = processesWithEnv((variable) => databaseUrl.test(variable)).map((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1).join(' '),
      );
      expect(services.sort()).toEqual([
        '--enable-source-maps --max-old-space-size=256 dist/index.js',
        '--enable-source-maps dist/index.js',
      ]);
      // A clean stop: pnpm sees the launcher exit 0, so it reports no failure, and nothing logs an error.
      expect(await interrupt(child), `${run} start exit`).toBe('code 0');
      expect(output()).not.toContain('ELIFECYCLE');
      expect(errorLines(output()), `${run} start logged no error`).toEqual([]);
      await expect.poll(() => postgresProcessesFor(dataDir), { timeout: 15_000 }).toEqual([]);
      expect(
        processesWithEnv((variable) => variable === `PORT=${port}`),
        `${run} start left no process`,
      ).toEqual([]);
    }
  }, 300_000);

  it('stops everything when its launcher dies without passing a signal on (no orphan keeps the ports)', async () => {
    const { dataDir, port, env } = await isolatedStart('pmd-start-orphan-');
    const { child, healthy, output } = await startAndWaitHealthy(env, port);
    expect(healthy).toBe(true);
    // pnpm and the launcher share the group a terminal would signal; the supervisor runs in a session of its own.
    process.kill(-child.pid!, 'SIGKILL');
    await expect
      .poll(() => processesWithEnv((variable) => variable === `PORT=${port}`), { timeout: 30_000 })
      .toEqual([]);
    await expect.poll(() => postgresProcessesFor(dataDir), { timeout: 30_000 }).toEqual([]);
    expect(output()).toContain('the launcher (pnpm start) is gone; stopping everything');
  }, 180_000);
});
