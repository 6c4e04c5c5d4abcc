// The domain, browser-safe: no database, no Node modules. The dashboard imports it as well as the server and worker.
export * from './metrics.ts';
export * from './kpi.ts';
export * from './health.ts';
export * from './sql.ts';
export * from './names.ts';
export * from './limits.ts';
export * from './notify.ts';
export * from './display.ts';
export * from './alerts.ts';
export * from './alert-rules.ts';
export * from './time-zone.ts';
export * from './change.ts';
export * from './notifications.ts';
export * from './campaigns.ts';
export * from './pacing.ts';
export * from './retention.ts';
