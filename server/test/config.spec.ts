import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { DEFAULT_HEALTH_THRESHOLDS, REPO_ROOT } from '@pmd/db';
import { describe, expect, it } from 'vitest';
import { readServerConfig } from '../src/config.ts';

describe('server config', () => {
  it('keeps every default', () => {
    expect(readServerConfig({})).toMatchObject({
      port: 8000,
      ingestToken: undefined,
      readToken: undefined,
      metricsToken: undefined,
      wsMaxConnections: 10_000,
      wsMaxConnectionsPerAddress: 1_000,
      corsOrigin: '*',
      ingestRateLimit: 50_000,
      ingestRateBurst: 100_000,
      healthThresholds: DEFAULT_HEALTH_THRESHOLDS,
      liveMaxViews: 500,
      liveMaxSubscriptionsPerConnection: 50,
      liveMaxSubscriptions: 10_000,
      livePoolSize: 4,
      liveMemoryHours: 3,
      liveReplicaWaitMs: 2_000,
    });
    expect(readServerConfig({ INGEST_RATE_LIMIT: '0' })).toMatchObject({ ingestRateLimit: 0 });
    expect(readServerConfig({ INGEST_RATE_LIMIT: '10', INGEST_TOKEN: '' })).toMatchObject({
      ingestRateBurst: 20,
      ingestToken: undefined,
    });
  });

  it("serves the repository's dashboard build unless told otherwise, on a second port only when one is set", () => {
    expect(readServerConfig({})).toMatchObject({
      dashboardDir: path.join(REPO_ROOT, 'client', 'dist'),
      dashboardPort: undefined,
    });
    expect(readServerConfig({ DASHBOARD_DIR: 'build/web', DASHBOARD_PORT: '8501' })).toMatchObject({
      dashboardDir: path.join(REPO_ROOT, 'build', 'web'),
      dashboardPort: 8501,
    });
    expect(readServerConfig({ DASHBOARD_DIR: '/srv/dashboard' }).dashboardDir).toBe('/srv/dashboard');
    expect(() => readServerConfig({ DASHBOARD_PORT: 'yes' })).toThrow('DASHBOARD_PORT must be a port number');
  });

  it('refuses a rate limit that is not a number instead of turning the limit off', () => {
    expect(() => readServerConfig({ INGEST_RATE_LIMIT: '50k' })).toThrow(
      'INGEST_RATE_LIMIT must be a non-negative integer, got "50k"',
    );
  });

  it('refuses health thresholds that are not ratios instead of calling every row healthy', () => {
    expect(() => readServerConfig({ HEALTH_MIN_CTR: 'abc' })).toThrow('HEALTH_MIN_CTR must be a ratio from 0 to 1');
    expect(() => readServerConfig({ HEALTH_MIN_SIGNUP_TO_ACTIVATION: '40' })).toThrow(
      'HEALTH_MIN_SIGNUP_TO_ACTIVATION must be a ratio from 0 to 1',
    );
  });

  it('bounds the wait of live views for the standby from 0 (never wait) to a minute', () => {
    expect(readServerConfig({ LIVE_REPLICA_WAIT_MS: '0' }).liveReplicaWaitMs).toBe(0);
    expect(readServerConfig({ LIVE_REPLICA_WAIT_MS: '60000' }).liveReplicaWaitMs).toBe(60_000);
    expect(readServerConfig({ LIVE_REPLICA_WAIT_MS: '' }).liveReplicaWaitMs).toBe(2_000);
    for (const bad of ['-1', '60001', '2s', '1.5']) {
      expect(() => readServerConfig({ LIVE_REPLICA_WAIT_MS: bad })).toThrow(
        `LIVE_REPLICA_WAIT_MS must be an integer ≥ 0 and ≤ 60000, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('lists every bad variable at once', () => {
    const env = {
      PORT: '80a',
      WS_MAX_CONNECTIONS: '-5',
      WS_MAX_CONNECTIONS_PER_ADDRESS: 'lots',
      INGEST_RATE_BURST: '0',
      LIVE_POOL_SIZE: '2.5',
      NODE_ENV: 'prod',
      LOG_LEVEL: 'verbose',
    };
    expect(() => readServerConfig(env)).toThrow(/\(7 bad variables\)/);
    for (const name of Object.keys(env))
      expect(() => readServerConfig(env)).toThrow(new RegExp(`^  ${name} must`, 'm'));
  });
});

describe('server start with a bad environment', () => {
  it('exits 1 naming each bad variable, without a stack trace, before touching a database', async () => {
    const serverDir = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: serverDir,
      // An unreachable database: the start must stop before it would be tried.
      env: {
        ...process.env,
        VITEST: '',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        INGEST_RATE_LIMIT: '50k',
        HEALTH_MIN_CTR: 'abc',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('server: invalid configuration (2 bad variables):');
    expect(stderr).toContain('INGEST_RATE_LIMIT must be a non-negative integer, got "50k"');
    expect(stderr).toContain('HEALTH_MIN_CTR must be a ratio from 0 to 1, got "abc"');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe('');
  });
});
