import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, REPO_ROOT } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';

export const INGEST_TOKEN = 'security-ingest-token';
export const READ_TOKEN = 'security-read-token';
export const METRICS_TOKEN = 'security-metrics-token';
export const ingestAuth = { authorization: `Bearer ${INGEST_TOKEN}` };
export const readAuth = { authorization: `Bearer ${READ_TOKEN}` };
export const metricsAuth = { authorization: `Bearer ${METRICS_TOKEN}` };

/** The heap cap the server runs with, and the resident-set cap the tests hold it to. */
export const HEAP_CAP_MIB = 256;
export const RSS_CAP_MIB = 400;

export interface SecurityServer {
  baseUrl: string;
  wsUrl: string;
  port: number;
  databaseUrl: string;
  pid: number;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Resident set size now, in MiB (read from /proc/<pid>/status). */
  rssMiB(): number;
  /** Highest RSS seen by the 20 ms sampler since the start or the last `resetPeak()`. */
  peakRssMiB(): number;
  resetPeak(): void;
  /** The last lines the process wrote (for failure messages). */
  output(): string;
  /** A query against this file's database. */
  sql<T extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<T[]>;
}

function readRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * A real server process for the whole test file, over the file's own database, as in production: both tokens and the
 * metrics token set, `node --max-old-space-size=256`, its RSS sampled every 20 ms so a short spike is not missed.
 */
export function useSecurityServer(env: Record<string, string> = {}): SecurityServer {
  const database = useTestDatabase();
  let child: ChildProcess | undefined;
  let port = 0;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  let tail = '';
  let pool: pg.Pool | undefined;

  beforeAll(async () => {
    port = await freePort(0);
    child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', 'tsx', path.join(REPO_ROOT, 'server/src/index.ts')],
      {
        cwd: path.join(REPO_ROOT, 'server'),
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          PORT: String(port),
          LOG_LEVEL: 'error',
          INGEST_TOKEN,
          READ_TOKEN,
          METRICS_TOKEN,
          INGEST_RATE_LIMIT: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + 60_000;
    while (true) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the server process did not become healthy:\n${tail}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    sampler = setInterval(() => {
      if (child?.pid) peak = Math.max(peak, readRssMiB(child.pid));
    }, 20);
  });

  afterAll(async () => {
    clearInterval(sampler);
    await pool?.end();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  const running = () => {
    if (!child?.pid) throw new Error('useSecurityServer(): the server runs only inside tests and hooks');
    return child;
  };
  return {
    get baseUrl() {
      return `http://127.0.0.1:${(running(), port)}`;
    },
    get wsUrl() {
      return `ws://127.0.0.1:${(running(), port)}/graphql`;
    },
    get port() {
      return (running(), port);
    },
    get databaseUrl() {
      return database.url;
    },
    get pid() {
      return running().pid!;
    },
    alive: () => running().exitCode === null && running().signalCode === null,
    rssMiB: () => readRssMiB(running().pid!),
    peakRssMiB: () => Math.max(peak, readRssMiB(running().pid!)),
    resetPeak: () => {
      peak = readRssMiB(running().pid!);
    },
    output: () => tail,
    sql: async (text, values) => (await pool!.query(text, values)).rows,
  };
}

/** The process is alive, /health answers 200, and its peak RSS stayed under the cap (printed for the report). */
export async function expectServerFine(server: SecurityServer, label: string): Promise<void> {
  expect(server.alive(), `server exited:\n${server.output()}`).toBe(true);
  const health = await fetch(`${server.baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
  expect(health.status).toBe(200);
  const peak = server.peakRssMiB();
  console.log(
    `[rss] ${label}: peak ${peak.toFixed(1)} MiB, now ${server.rssMiB().toFixed(1)} MiB (cap ${RSS_CAP_MIB})`,
  );
  expect(peak).toBeLessThan(RSS_CAP_MIB);
}

/** No stack trace, no file path, no source location in what a client can read. */
export function expectNoInternals(text: string): void {
  expect(text).not.toContain('    at ');
  expect(text).not.toContain('/work/');
  expect(text).not.toMatch(/\.ts:/);
  expect(text).not.toContain('node_modules');
}
