import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, createPool, freePort, readMigrations, REPO_ROOT } from '@pmd/db';
import { useTestDatabase } from '@pmd/db/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAll } from './build/build-all.ts';
import { bundleNode } from './build/bundle-node.ts';
import { buildIfChanged } from './build/incremental.ts';
import type { NodeTarget } from './build/targets.ts';

describe('pnpm build, one target', () => {
  let root: string;
  const target: NodeTarget = {
    kind: 'node',
    name: 'demo',
    packageDir: 'demo',
    entry: 'src/main.ts',
    output: 'dist/main.js',
    inputs: ['demo/src', 'demo/package.json'],
  };
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  const build = () => buildIfChanged(root, target, () => bundleNode(root, target));
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--enable-source-maps', path.join(root, 'demo/dist/main.js')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('exit', () => resolve(output));
    });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pmd-build-'));
    await write('demo/package.json', JSON.stringify({ name: 'demo', type: 'module', dependencies: { zod: '4' } }));
    await write('demo/src/main.ts', "import { greeting } from './greeting.ts';\nconsole.log(greeting);\n");
    await write('demo/src/greeting.ts', "export const greeting: string = 'hello';\n");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('rebuilds only when an input changed, and a failed build is retried next time', async () => {
    expect(await build()).toMatchObject({ status: 'built' });
    expect(await run()).toBe('hello\n');
    expect(await build()).toEqual({ target: 'demo', status: 'up to date' });
    await write('demo/src/greeting.spec.ts', 'tests are no input');
    expect(await build()).toMatchObject({ status: 'up to date' });

    await write('demo/src/greeting.ts', "export const greeting: string = 'hi';\n");
    expect(await build()).toMatchObject({ status: 'built' });
    expect(await run()).toBe('hi\n');

    // A compile error fails the build and leaves no stamp: restoring the file that built before rebuilds it.
    await write('demo/src/greeting.ts', "export const greeting: string = 'hi\n");
    await expect(build()).rejects.toThrow(/demo\/src\/greeting\.ts:1:\d+: ERROR: Unterminated string literal/);
    await write('demo/src/greeting.ts', "export const greeting: string = 'hi';\n");
    expect(await build()).toMatchObject({ status: 'built' });

    // A deleted output is rebuilt, whatever the stamp says.
    await rm(path.join(root, 'demo/dist/main.js'));
    expect(await build()).toMatchObject({ status: 'built' });
  });

  it('stack traces of the bundle name the TypeScript lines', async () => {
    await write('demo/src/greeting.ts', "export const greeting: string = 'x';\nthrow new Error('boom');\n");
    await build();
    expect(await run()).toMatch(/Error: boom\n\s+at .*demo\/src\/greeting\.ts:2:7/);
  });

  it('refuses an npm import its package does not declare, and a workspace file outside its inputs', async () => {
    await write('demo/src/main.ts', "import 'zod';\nimport 'pino';\nimport 'node:fs';\nimport 'path';\n");
    await expect(build()).rejects.toThrow(
      'demo: the bundle imports pino, missing from the dependencies of demo/package.json',
    );
    await write('demo/src/main.ts', "import '../../shared/util.ts';\n");
    await write('shared/util.ts', 'export {};\n');
    await expect(build()).rejects.toThrow('demo: the bundle reads shared/util.ts, not among its inputs');
    expect(existsSync(path.join(root, 'demo/dist/.build-stamp'))).toBe(false);
  });
});

describe('the built artifacts', () => {
  const database = useTestDatabase();
  let admin: ReturnType<typeof createPool>;
  const created: string[] = [];

  beforeAll(async () => {
    await buildAll(createLogger('build-spec', { level: 'silent', format: 'json', production: false }), {});
    admin = createPool(database.adminUrl, { max: 1 });
  }, 120_000);
  afterAll(async () => {
    for (const name of created) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  });

  async function newDatabase(): Promise<string> {
    const name = `pmd_fresh_${created.length}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    created.push(name);
    const url = new URL(database.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** A bundle run as the image runs it (from the repo root), with pretty logs: pino-pretty is loaded by name. */
  function runBundle(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, ['--enable-source-maps', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, VITEST: '', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, exited, output: () => output };
  }

  async function appliedMigrations(url: string): Promise<string[]> {
    const pool = createPool(url, { max: 1 });
    try {
      const { rows } = await pool.query('SELECT migration_name FROM "_prisma_migrations" ORDER BY 1');
      return rows.map((row) => row.migration_name as string);
    } finally {
      await pool.end();
    }
  }

  it('the migrator (`node prisma/dist/cli.js migrate`) applies every migration to a new database', async () => {
    const url = await newDatabase();
    const migrator = runBundle(['prisma/dist/cli.js', 'migrate'], { DATABASE_URL: url });
    expect(await migrator.exited, migrator.output()).toBe(0);
    expect(migrator.output()).toMatch(/INFO.*\(db\).*migrations applied/);
    expect(await appliedMigrations(url)).toEqual((await readMigrations()).map((m) => m.name));
  });

  it('the server (`node server/dist/index.js`) migrates a new database, serves, and stops with exit code 0', async () => {
    const url = await newDatabase();
    const port = await freePort();
    const server = runBundle(['server/dist/index.js'], { DATABASE_URL: url, PORT: String(port) });
    const healthy = async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok;
    await expect.poll(healthy, { timeout: 30_000, interval: 200 }).toBe(true);
    expect(await appliedMigrations(url)).toEqual((await readMigrations()).map((m) => m.name));
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(server.output()).toMatch(/INFO.*\(server\).*server stopped/);
  }, 60_000);
});
