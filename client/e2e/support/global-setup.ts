import { buildDashboard } from './build-dashboard.ts';

/** Builds the dashboard once before the e2e files start, so that files running side by side do not each build it. */
export default async function setup(): Promise<void> {
  await buildDashboard();
}
