import { builder } from '../builder.ts';

builder.queryField('serverTime', (t) =>
  t.field({
    authScopes: { reader: true },
    type: 'DateTime',
    description: 'The server\'s clock; windows such as "the last 60 minutes" end here.',
    resolve: () => new Date(),
  }),
);

builder.subscriptionField('heartbeat', (t) =>
  t.field({
    authScopes: { reader: true },
    type: 'DateTime',
    description:
      "The server's clock every `intervalSeconds` (default 5): lets a dashboard tell a live connection from a stalled one.",
    args: {
      intervalSeconds: t.arg.int({
        required: false,
        defaultValue: 5,
        description: 'Seconds between beats, clamped to 1..60.',
      }),
    },
    subscribe: async function* (_root, { intervalSeconds }) {
      const ms = Math.min(Math.max(intervalSeconds ?? 5, 1), 60) * 1000;
      while (true) {
        yield new Date();
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
    },
    resolve: (time) => time,
  }),
);
