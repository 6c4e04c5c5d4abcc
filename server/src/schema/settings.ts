import { builder } from '../builder.ts';
import type { ServerConfig } from '../config.ts';

/** What a dashboard needs to know of the server's reporting defaults before it asks for numbers. */
export const ReportingSettingsRef = builder.objectRef<ServerConfig>('ReportingSettings').implement({
  description: "The server's reporting defaults; a request may override the zone in its WindowInput.",
  fields: (t) => ({
    timeZone: t.string({
      description:
        'The IANA zone of day and hour buckets and calendar periods when a window names none (REPORTING_TIME_ZONE).',
      resolve: (config) => config.reportingTimeZone,
    }),
  }),
});

builder.queryField('reportingSettings', (t) =>
  t.field({
    authScopes: { reader: true },
    type: ReportingSettingsRef,
    description: "The server's reporting defaults (its time zone).",
    resolve: (_root, _args, ctx) => ctx.config,
  }),
);
