import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWorkerConfig } from './config.ts';

describe('worker config', () => {
  it('uses the defaults and reads overrides', () => {
    expect(readWorkerConfig({})).toMatchObject({ sweepIntervalMs: 30_000, notify: { timeoutMs: 10_000 } });
    expect(readWorkerConfig({ WORKER_SWEEP_INTERVAL_MS: '1000', NOTIFY_TIMEOUT_MS: '500' })).toMatchObject({
      sweepIntervalMs: 1000,
      notify: { timeoutMs: 500 },
    });
  });

  it('reads the reporting time zone as the server does (the day of daily budgets)', () => {
    expect(readWorkerConfig({}).reportingTimeZone).toBe('UTC');
    expect(readWorkerConfig({ REPORTING_TIME_ZONE: 'Asia/Kolkata' }).reportingTimeZone).toBe('Asia/Kolkata');
    expect(() => readWorkerConfig({ REPORTING_TIME_ZONE: 'Mars/Olympus' })).toThrow('REPORTING_TIME_ZONE must be');
  });

  it('refuses a bad variable at start, naming it', () => {
    expect(() => readWorkerConfig({ WORKER_SWEEP_INTERVAL_MS: '30s' })).toThrow('WORKER_SWEEP_INTERVAL_MS must be');
    expect(() => readWorkerConfig({ NOTIFY_TIMEOUT_MS: '10' })).toThrow('NOTIFY_TIMEOUT_MS must be');
  });

  it('refuses a misspelt variable of its own instead of ignoring it', () => {
    expect(() => readWorkerConfig({ WORKER_SWEEP_INTERVAL: '50' })).toThrow(
      /WORKER_SWEEP_INTERVAL is not a known variable \(known: WORKER_SWEEP_INTERVAL_MS/,
    );
  });

  it('refuses a leftover ANOMALY_* (thresholds are alert rules now), saying where they went', () => {
    expect(() => readWorkerConfig({ ANOMALY_MAX_Z: '-3' })).toThrow(
      /ANOMALY_MAX_Z is no longer read: alert thresholds are alert rules now \(the dashboard's "Alert rules" page, or GraphQL createAlertRule\/updateAlertRule\)/,
    );
    // An empty value is unset, as everywhere.
    expect(() => readWorkerConfig({ ANOMALY_METHOD: '' })).not.toThrow();
  });

  it('stops the worker process at start, before any database, naming the variables', async () => {
    const workerDir = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: workerDir,
      env: {
        ...process.env,
        VITEST: '',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        ANOMALY_WINDOW_MINUTES: '15',
        WORKER_SWEEP_INTERVAL_MS: '1s',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('worker: invalid configuration (2 bad variables):');
    expect(stderr).toMatch(/^ {2}WORKER_SWEEP_INTERVAL_MS must be an integer ≥ 100, got "1s"$/m);
    expect(stderr).toMatch(/^ {2}ANOMALY_WINDOW_MINUTES is no longer read: alert thresholds are alert rules now/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
