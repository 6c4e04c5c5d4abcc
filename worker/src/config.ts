import { COMMON_ENV, commonConfigFrom, envTypes, parseEnv, type CommonConfig, type EnvSource } from '@pmd/db/env';
import { type AnomalyConfig, DEFAULT_ANOMALY_CONFIG as DEFAULTS, DETECTION_METHODS } from './lib/anomaly.ts';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from './lib/notify/settings.ts';

/**
 * The worker's environment (the root README's table lists each variable; scripts/env-table.spec.ts checks both ways).
 * The alert rules are checked here, at start: a bad ANOMALY_* stops the worker instead of failing every alert run.
 */
export const WORKER_ENV = {
  ...COMMON_ENV,
  WORKER_SWEEP_INTERVAL_MS: envTypes.number({ integer: true, min: 100 }).default(30_000),
  ANOMALY_METHOD: envTypes.oneOf(DETECTION_METHODS).default(DEFAULTS.method),
  ANOMALY_LOOKBACK_MINUTES: envTypes.number({ integer: true, min: 2, max: 24 * 60 }).default(DEFAULTS.lookbackMinutes),
  ANOMALY_CUSUM_THRESHOLD: envTypes.number({ above: 0 }).default(DEFAULTS.cusumThreshold),
  ANOMALY_CUSUM_RECOVERY_THRESHOLD: envTypes.number({ above: 0 }).default(DEFAULTS.cusumRecoveryThreshold),
  ANOMALY_MIN_BASELINE_VOLUME: envTypes.positiveInteger().default(DEFAULTS.minBaselineVolume),
  ANOMALY_WINDOW_MINUTES: envTypes.number({ integer: true, min: 1, max: 24 * 60 }).default(DEFAULTS.windowMinutes),
  ANOMALY_BASELINE_HOURS: envTypes.number({ integer: true, min: 1, max: 24 * 14 }).default(DEFAULTS.baselineHours),
  ANOMALY_MIN_RELATIVE_DROP: envTypes.number({ above: 0, below: 1 }).default(DEFAULTS.minRelativeDrop),
  ANOMALY_MAX_Z: envTypes.number({ below: 0 }).default(DEFAULTS.maxZ),
  ANOMALY_MIN_VOLUME: envTypes.positiveInteger().default(DEFAULTS.minVolume),
  ANOMALY_RECOVERY_DROP: envTypes.number({ min: 0, below: 1 }).default(DEFAULTS.recoveryDrop),
  ANOMALY_CPC_SPIKE_RATIO: envTypes.number({ above: 1 }).default(DEFAULTS.cpcSpikeRatio),
  ANOMALY_CPC_RECOVERY_RATIO: envTypes.number({ min: 1 }).default(DEFAULTS.cpcRecoveryRatio),
  SMTP_URL: envTypes.url(['smtp:', 'smtps:']).optional(),
  SMTP_FROM: envTypes.text().default(DEFAULT_NOTIFY_CONFIG.smtpFrom),
  DASHBOARD_URL: envTypes.url(['http:', 'https:']).optional(),
  NOTIFY_TIMEOUT_MS: envTypes.number({ integer: true, min: 100, max: 60_000 }).default(DEFAULT_NOTIFY_CONFIG.timeoutMs),
  ALLOW_PRIVATE_WEBHOOK_TARGETS: envTypes.oneOf(['true', 'false']).default('false'),
};
export const WORKER_ENV_VARIABLES = Object.keys(WORKER_ENV);

export interface WorkerConfig extends CommonConfig {
  /** How often jobs and queues held by dead workers are freed. */
  sweepIntervalMs: number;
  anomaly: AnomalyConfig;
  notify: NotifyConfig;
}

/** Parses the worker's variables from `env`; throws ConfigError naming every bad one. */
export function readWorkerConfig(env: EnvSource): WorkerConfig {
  const values = parseEnv(WORKER_ENV, env, {
    ownedPrefixes: ['ANOMALY_', 'WORKER_', 'SMTP_', 'NOTIFY_'],
    refine: (values, ctx) => {
      // Hysteresis needs a gap: an alert that resolved at the level it fired at would flap.
      if (values.ANOMALY_RECOVERY_DROP >= values.ANOMALY_MIN_RELATIVE_DROP) {
        ctx.addIssue({
          code: 'custom',
          path: ['ANOMALY_RECOVERY_DROP'],
          message: `must be below ANOMALY_MIN_RELATIVE_DROP (${values.ANOMALY_MIN_RELATIVE_DROP}), got ${values.ANOMALY_RECOVERY_DROP}: the recovery level must be milder than the firing level`,
        });
      }
      // The recovery statistic starts near 0 when a drop fires only if the drop needed at least as much evidence.
      if (values.ANOMALY_CUSUM_RECOVERY_THRESHOLD > values.ANOMALY_CUSUM_THRESHOLD) {
        ctx.addIssue({
          code: 'custom',
          path: ['ANOMALY_CUSUM_RECOVERY_THRESHOLD'],
          message: `must be at most ANOMALY_CUSUM_THRESHOLD (${values.ANOMALY_CUSUM_THRESHOLD}), got ${values.ANOMALY_CUSUM_RECOVERY_THRESHOLD}`,
        });
      }
      if (values.ANOMALY_CPC_RECOVERY_RATIO >= values.ANOMALY_CPC_SPIKE_RATIO) {
        ctx.addIssue({
          code: 'custom',
          path: ['ANOMALY_CPC_RECOVERY_RATIO'],
          message: `must be below ANOMALY_CPC_SPIKE_RATIO (${values.ANOMALY_CPC_SPIKE_RATIO}), got ${values.ANOMALY_CPC_RECOVERY_RATIO}: the recovery level must be milder than the firing level`,
        });
      }
    },
  });
  return {
    ...commonConfigFrom(values),
    sweepIntervalMs: values.WORKER_SWEEP_INTERVAL_MS,
    anomaly: {
      method: values.ANOMALY_METHOD,
      lookbackMinutes: values.ANOMALY_LOOKBACK_MINUTES,
      cusumThreshold: values.ANOMALY_CUSUM_THRESHOLD,
      cusumRecoveryThreshold: values.ANOMALY_CUSUM_RECOVERY_THRESHOLD,
      minBaselineVolume: values.ANOMALY_MIN_BASELINE_VOLUME,
      windowMinutes: values.ANOMALY_WINDOW_MINUTES,
      baselineHours: values.ANOMALY_BASELINE_HOURS,
      minRelativeDrop: values.ANOMALY_MIN_RELATIVE_DROP,
      maxZ: values.ANOMALY_MAX_Z,
      minVolume: values.ANOMALY_MIN_VOLUME,
      recoveryDrop: values.ANOMALY_RECOVERY_DROP,
      cpcSpikeRatio: values.ANOMALY_CPC_SPIKE_RATIO,
      cpcRecoveryRatio: values.ANOMALY_CPC_RECOVERY_RATIO,
    },
    notify: {
      smtpUrl: values.SMTP_URL,
      smtpFrom: values.SMTP_FROM,
      dashboardUrl: values.DASHBOARD_URL,
      timeoutMs: values.NOTIFY_TIMEOUT_MS,
      allowPrivateTargets: values.ALLOW_PRIVATE_WEBHOOK_TARGETS === 'true',
    },
  };
}

let config: WorkerConfig | undefined;

/** This process's worker config, parsed once (index.ts and backfill.ts parse it before anything else). */
export function workerConfig(): WorkerConfig {
  // eslint-disable-next-line no-restricted-properties -- the worker's config module
  config ??= readWorkerConfig(process.env);
  return config;
}
