import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readStartConfig } from './config.ts';

describe('start config', () => {
  it('runs every service by default, without the generator on START_GENERATOR=0, or exactly START_SERVICES', () => {
    expect(readStartConfig({})).toMatchObject({
      apiPort: 8000,
      apiUrl: 'http://localhost:8000',
      services: ['server', 'worker', 'generator'],
    });
    expect(readStartConfig({ START_GENERATOR: '0', PORT: '9000' })).toMatchObject({
      apiUrl: 'http://localhost:9000',
      services: ['server', 'worker'],
    });
    expect(readStartConfig({ START_SERVICES: 'worker, server' }).services).toEqual(['server', 'worker']);
  });

  it('refuses an unknown service, a bad port or URL, naming each', () => {
    expect(() =>
      readStartConfig({ START_SERVICES: 'server,api', START_GENERATOR: 'no', PORT: 'http', API_URL: 'localhost' }),
    ).toThrow(/START_SERVICES must be a comma list of server, worker, generator, got "server,api"/);
    expect(() => readStartConfig({ START_GENERATOR: 'no' })).toThrow('START_GENERATOR must be one of 0, 1, got "no"');
    expect(() => readStartConfig({ PORT: '70000' })).toThrow('PORT must be a port number');
    expect(() => readStartConfig({ API_URL: 'localhost:8000' })).toThrow('API_URL must be a http: or https: URL');
  });

  it('stops `pnpm start` before it opens a database, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/supervisor.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, VITEST: '', DATABASE_URL: '', START_SERVICES: 'server,api' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('start: invalid configuration (1 bad variable):\n  START_SERVICES must be');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
