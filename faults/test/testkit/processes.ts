import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, REPO_ROOT } from '@pmd/db';

/** A real Node process running one of our entry points (server or worker), killable like production kills it. */
export interface ChildService {
  readonly child: ChildProcess;
  /** Last lines it wrote (JSON logs), for failure messages. */
  output(): string;
  /** Whether it ever wrote `text` (e.g. a log message). */
  wrote(text: string): boolean;
  /** Resident set size in MiB (Linux /proc). */
  rssMiB(): Promise<number>;
  /** SIGKILL: no shutdown hook runs, open transactions die with the connection. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (graceful shutdown). */
  stop(): Promise<void>;
}

export interface ServerProcess extends ChildService {
  port: number;
  baseUrl: string;
  wsUrl: string;
}

function spawnEntry(entry: string, env: Record<string, string>): ChildService {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
    cwd: path.join(REPO_ROOT, path.dirname(path.dirname(entry))),
    // JSON logs at warn: quiet, but a crash still says why. VITEST would silence the logger entirely.
    env: { ...process.env, VITEST: '', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watched = new Set<string>();
  const seen = new Set<string>();
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    for (const marker of watched) if (text.includes(marker)) seen.add(marker);
    lines.push(...text.split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 50));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return {
    child,
    output: () => lines.join('\n'),
    wrote: (text) => {
      watched.add(text);
      return seen.has(text) || lines.some((line) => line.includes(text));
    },
    rssMiB: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}

async function waitUntil(
  what: string,
  service: ChildService,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (service.child.exitCode !== null) throw new Error(`${what} exited early:\n${service.output()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `server/src/index.ts` on DATABASE_URL and `port` (a free one when omitted; pass the old port to restart "the same"
 * server). Resolves once it answers HTTP; with `healthy`, once GET /health says the database answers.
 */
export async function startServerProcess(
  databaseUrl: string,
  options: { port?: number; healthy?: boolean; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort(0));
  const service = spawnEntry('server/src/index.ts', { DATABASE_URL: databaseUrl, PORT: String(port), ...options.env });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil('server', service, async () => {
    const response = await fetch(`${baseUrl}/health`);
    await response.body?.cancel();
    return options.healthy === false || response.ok;
  });
  return { ...service, port, baseUrl, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

/** `worker/src/index.ts` (graphile-worker with worker/crontab) on DATABASE_URL; resolves once it has started. */
export async function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildService> {
  const service = spawnEntry('worker/src/index.ts', { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ...env });
  await waitUntil('worker', service, async () => service.wrote('"msg":"worker started"'));
  return service;
}
