import nodemailer from 'nodemailer';
import type { NotifySettings } from './deliver.ts';

/** How notifications leave the worker (NOTIFY_*, SMTP_*, DASHBOARD_URL; worker/src/config.ts). */
export interface NotifyConfig {
  /** smtp://user:password@host:port or smtps://… ; unset = email channels fail saying so. */
  smtpUrl?: string;
  smtpFrom: string;
  dashboardUrl?: string;
  allowPrivateTargets: boolean;
  timeoutMs: number;
}

export const DEFAULT_NOTIFY_CONFIG: NotifyConfig = {
  smtpFrom: 'pmd-alerts@localhost',
  allowPrivateTargets: false,
  timeoutMs: 10_000,
};

/** The settings deliveries use, with one SMTP transport for the process (close it on stop). */
export function notifySettings(config: NotifyConfig): NotifySettings {
  return {
    timeoutMs: config.timeoutMs,
    allowPrivateTargets: config.allowPrivateTargets,
    dashboardUrl: config.dashboardUrl,
    mailFrom: config.smtpFrom,
    mailer: config.smtpUrl
      ? nodemailer.createTransport(config.smtpUrl, {
          connectionTimeout: config.timeoutMs,
          greetingTimeout: config.timeoutMs,
          socketTimeout: config.timeoutMs,
        } as never)
      : null,
  };
}
