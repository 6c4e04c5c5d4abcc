import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWorkerConfig } from './config.ts';
import { DEFAULT_ANOMALY_CONFIG } from './lib/anomaly.ts';

describe('worker config', () => {
  it('uses the defaults and reads overrides', () => {
    expect(readWorkerConfig({})).toMatchObject({ sweepIntervalMs: 30_000, anomaly: DEFAULT_ANOMALY_CONFIG });
    expect(
      readWorkerConfig({ ANOMALY_WINDOW_MINUTES: '5', ANOMALY_MIN_VOLUME: '50', WORKER_SWEEP_INTERVAL_MS: '1000' }),
    ).toMatchObject({ sweepIntervalMs: 1000, anomaly: { windowMinutes: 5, minVolume: 50, maxZ: -3 } });
    expect(readWorkerConfig({ ANOMALY_METHOD: 'window', ANOMALY_CUSUM_THRESHOLD: '12' }).anomaly).toMatchObject({
      method: 'window',
      cusumThreshold: 12,
    });
    expect(() => readWorkerConfig({ ANOMALY_METHOD: 'ewma' })).toThrow('ANOMALY_METHOD must be one of cusum, window');
  });

  it('refuses a bad ANOMALY_* at start, naming the variable', () => {
    expect(() => readWorkerConfig({ ANOMALY_MAX_Z: '2' })).toThrow('ANOMALY_MAX_Z must be a number < 0, got "2"');
    expect(() => readWorkerConfig({ ANOMALY_MIN_VOLUME: '2OO' })).toThrow(
      'ANOMALY_MIN_VOLUME must be a positive integer',
    );
    expect(() => readWorkerConfig({ ANOMALY_WINDOW_MINUTES: '15m' })).toThrow('ANOMALY_WINDOW_MINUTES must be');
    expect(() => readWorkerConfig({ ANOMALY_MIN_RELATIVE_DROP: '30%' })).toThrow('ANOMALY_MIN_RELATIVE_DROP must be');
    expect(() => readWorkerConfig({ WORKER_SWEEP_INTERVAL_MS: '30s' })).toThrow('WORKER_SWEEP_INTERVAL_MS must be');
  });

  it('refuses a misspelt ANOMALY_* variable instead of ignoring it', () => {
    expect(() => readWorkerConfig({ ANOMALY_MIN_VOLUMES: '50' })).toThrow(
      /ANOMALY_MIN_VOLUMES is not a known variable \(known: [^)]*ANOMALY_MIN_VOLUME,/,
    );
  });

  it('wants recovery levels milder than firing levels', () => {
    expect(() => readWorkerConfig({ ANOMALY_RECOVERY_DROP: '0.5' })).toThrow(
      /ANOMALY_RECOVERY_DROP must be below ANOMALY_MIN_RELATIVE_DROP \(0\.3\)[^\n]*milder/,
    );
    expect(() => readWorkerConfig({ ANOMALY_CPC_SPIKE_RATIO: '1.1' })).toThrow(
      /ANOMALY_CPC_RECOVERY_RATIO must be below ANOMALY_CPC_SPIKE_RATIO \(1\.1\)/,
    );
    expect(() => readWorkerConfig({ ANOMALY_CUSUM_THRESHOLD: '2' })).toThrow(
      /ANOMALY_CUSUM_RECOVERY_THRESHOLD must be at most ANOMALY_CUSUM_THRESHOLD \(2\)/,
    );
  });

  it('stops the worker process at start, before any database, naming the variable', async () => {
    const workerDir = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: workerDir,
      env: {
        ...process.env,
        VITEST: '',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        ANOMALY_MAX_Z: '3',
        ANOMALY_BASELINE_HOURS: '24h',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('worker: invalid configuration (2 bad variables):');
    expect(stderr).toMatch(/^ {2}ANOMALY_BASELINE_HOURS must be an integer ≥ 1 and ≤ 336, got "24h"$/m);
    expect(stderr).toMatch(/^ {2}ANOMALY_MAX_Z must be a number < 0, got "3"$/m);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
