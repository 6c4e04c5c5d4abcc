import { builder } from '../builder.ts';
import './error.ts';
import './event.ts';
import './health.ts';
import './window.ts';
import './settings.ts';
import './kpis.ts';
import './funnel.ts';
import './breakdown.ts';
import './conversion-delays.ts';
import './time-series.ts';
import './campaign.ts';
import './alert.ts';
import './notification.ts';
import './pipeline.ts';
import './live.ts';

export const schema = builder.toSchema();
