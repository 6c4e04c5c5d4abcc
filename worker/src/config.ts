import {
  COMMON_ENV,
  commonConfigFrom,
  REPORTING_ENV,
  RETENTION_ENV,
  retentionFrom,
  envTypes,
  parseEnv,
  type CommonConfig,
  type EnvSource,
} from '@pmd/db/env';
import type { RetentionSettings } from '@pmd/domain';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from './lib/notify/settings.ts';

/**
 * The worker's environment (the root README's table lists each variable; scripts/env-table.spec.ts checks both ways).
 * Alert thresholds are not here: they are alert rules, data in the database (`alert_rules`), so a leftover ANOMALY_*
 * from an older release stops the start saying where they went instead of being silently ignored.
 */
export const WORKER_ENV = {
  ...COMMON_ENV,
  ...REPORTING_ENV,
  ...RETENTION_ENV,
  WORKER_SWEEP_INTERVAL_MS: envTypes.number({ integer: true, min: 100 }).default(30_000),
  SMTP_URL: envTypes.url(['smtp:', 'smtps:']).optional(),
  SMTP_FROM: envTypes.text().default(DEFAULT_NOTIFY_CONFIG.smtpFrom),
  DASHBOARD_URL: envTypes.url(['http:', 'https:']).optional(),
  NOTIFY_TIMEOUT_MS: envTypes.number({ integer: true, min: 100, max: 60_000 }).default(DEFAULT_NOTIFY_CONFIG.timeoutMs),
  ALLOW_PRIVATE_WEBHOOK_TARGETS: envTypes.oneOf(['true', 'false']).default('false'),
};
export const WORKER_ENV_VARIABLES = Object.keys(WORKER_ENV);

/** Why an ANOMALY_* variable stops the worker (the first release read its alert thresholds from them). */
export const RETIRED_ANOMALY_MESSAGE =
  'is no longer read: alert thresholds are alert rules now (the dashboard\'s "Alert rules" page, or GraphQL createAlertRule/updateAlertRule); unset it';

export interface WorkerConfig extends CommonConfig {
  /** How often jobs and queues held by dead workers are freed. */
  sweepIntervalMs: number;
  /** The zone whose local day a daily budget is spent over (REPORTING_TIME_ZONE, as the server reads it). */
  reportingTimeZone: string;
  /** How long raw events and minute rows are kept (RAW_EVENTS_RETENTION_DAYS, MINUTE_ROWS_RETENTION_DAYS). */
  retention: RetentionSettings;
  notify: NotifyConfig;
}

/** Parses the worker's variables from `env`; throws ConfigError naming every bad one. */
export function readWorkerConfig(env: EnvSource): WorkerConfig {
  const values = parseEnv(WORKER_ENV, env, {
    ownedPrefixes: ['WORKER_', 'SMTP_', 'NOTIFY_'],
    retiredPrefixes: { ANOMALY_: RETIRED_ANOMALY_MESSAGE },
  });
  return {
    ...commonConfigFrom(values),
    sweepIntervalMs: values.WORKER_SWEEP_INTERVAL_MS,
    reportingTimeZone: values.REPORTING_TIME_ZONE,
    retention: retentionFrom(values),
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
