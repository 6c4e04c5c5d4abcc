import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@pmd/db/testing';
import { buildApp, type App } from '@pmd/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GENERATOR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the CLI with JSON logs; Ctrl-C (SIGINT) once a log line satisfies `interruptWhen`. */
function runCli(
  args: string[],
  interruptWhen?: (line: Record<string, any>) => boolean,
): Promise<{ code: number | null; logs: Record<string, any>[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: GENERATOR_DIR,
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', VITEST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let interrupted = false;
    let checked = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (!interruptWhen || interrupted) return;
      // Only whole lines: a chunk may end inside one.
      const end = stdout.lastIndexOf('\n') + 1;
      const lines = stdout
        .slice(checked, end)
        .split('\n')
        .filter((line) => line.startsWith('{'));
      checked = end;
      if (lines.some((line) => interruptWhen(JSON.parse(line)))) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const logs = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
      resolve({ code, logs, stdout });
    });
  });
}

describe('generator CLI against a real server', () => {
  const database = useTestDatabase();
  let app: App;
  let apiUrl: string;
  beforeAll(async () => {
    app = buildApp({ databaseUrl: database.url, config: { ingestToken: 'cli-token' } });
    apiUrl = `http://127.0.0.1:${await app.start(0)}`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function storedCount(): Promise<number> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_events');
    await client.end();
    return rows[0]!.n;
  }

  it('documents every option with --help and refuses an unknown one', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--backfill');
    const wrong = await runCli(['--turbo']);
    expect(wrong.code).toBe(2);
  });

  it('on Ctrl-C sends what is buffered, prints a summary, and everything generated is stored', async () => {
    // A long flush interval: without the final flush on Ctrl-C, buffered events would be lost.
    const run = await runCli(
      [
        '--url',
        apiUrl,
        '--token',
        'cli-token',
        '--rate',
        '40',
        '--flush-interval',
        '60s',
        '--batch-size',
        '10000',
        '--status-interval',
        '1s',
        '--seed',
        '11',
      ],
      (line) => line.msg === 'status' && line.generated >= 40,
    );
    expect(run.code, run.stdout).toBe(0);
    const summary = run.logs.find((line) => line.msg === 'summary');
    expect(summary).toBeDefined();
    expect(run.logs.some((line) => line.msg === 'status')).toBe(true);
    expect(summary!.generated).toBeGreaterThan(20);
    expect(summary!.stored).toBe(summary!.generated);
    expect(await storedCount()).toBe(summary!.generated);
  });

  it('exits with an error on a wrong token instead of retrying forever', async () => {
    const run = await runCli([
      '--url',
      apiUrl,
      '--token',
      'nope',
      '--rate',
      '40',
      '--flush-interval',
      '200ms',
      '--duration',
      '20s',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/refused the ingest token/);
  });
});
