import {
  MAX_ALERT_ACTOR_LENGTH,
  MAX_ALERT_NOTE_LENGTH,
  MAX_CHANNEL_LENGTH,
  MAX_ID_LENGTH,
  MAX_SNOOZE_DAYS,
} from '@pmd/domain';
import { builder } from '../builder.ts';
import {
  createAlertSilence,
  expireAlertSilence,
  listAlertSilences,
  MAX_SILENCES_LISTED,
} from '../services/alert-silences.ts';
import { InvalidArgumentError, NotFoundError } from './error.ts';

builder.prismaObject('AlertSilence', {
  description:
    'Mutes the notifications of the alerts it matches while it lasts (they still fire, resolve and show here). Each matcher left null matches anything.',
  fields: (t) => ({
    id: t.id({ description: 'The silence id.', resolve: (s) => String(s.id) }),
    rule: t.relation('rule', { nullable: true, description: "Only this rule's alerts; null: any rule." }),
    campaignId: t.exposeString('campaignId', { nullable: true, description: 'Only this campaign; null: any.' }),
    channel: t.exposeString('channel', { nullable: true, description: 'Only this channel; null: any.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime', description: 'From when it mutes (inclusive).' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', description: 'Until when it mutes (exclusive).' }),
    createdBy: t.exposeString('createdBy', { nullable: true, description: 'Who made it, as they gave their name.' }),
    comment: t.exposeString('comment', { nullable: true, description: 'Why (planned work, a known issue, …).' }),
    active: t.boolean({
      description: 'It mutes now (startsAt ≤ now < endsAt).',
      resolve: (s) => {
        const now = Date.now();
        return s.startsAt.getTime() <= now && now < s.endsAt.getTime();
      },
    }),
  }),
});

const SilenceInput = builder.inputType('AlertSilenceInput', {
  description: `A new silence: at least endsAt (in the future, at most ${MAX_SNOOZE_DAYS} days ahead); matchers left out match anything, so a silence with none mutes every alert.`,
  fields: (t) => ({
    ruleId: t.id({ required: false, description: "Only this rule's alerts." }),
    campaignId: t.string({ required: false, description: `Only this campaign (at most ${MAX_ID_LENGTH} characters).` }),
    channel: t.string({
      required: false,
      description: `Only this channel (at most ${MAX_CHANNEL_LENGTH} characters).`,
    }),
    startsAt: t.field({ type: 'DateTime', required: false, description: 'From when; default now.' }),
    endsAt: t.field({ type: 'DateTime', required: true, description: 'Until when (after startsAt).' }),
    by: t.string({ required: false, description: `Who makes it (at most ${MAX_ALERT_ACTOR_LENGTH} characters).` }),
    comment: t.string({ required: false, description: `Why (at most ${MAX_ALERT_NOTE_LENGTH} characters).` }),
  }),
});

builder.queryField('alertSilences', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: ['AlertSilence'],
    description: `Silences that have not ended (with includeExpired, ended ones too), the latest ending first, at most ${MAX_SILENCES_LISTED}.`,
    args: {
      includeExpired: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Also silences that ended.',
      }),
    },
    resolve: (query, _root, { includeExpired }, ctx) => listAlertSilences(ctx.db, includeExpired ?? false, query),
  }),
);

// Reader scope like snoozeAlert: whoever watches the alerts may quiet them during planned work.
builder.mutationField('createAlertSilence', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: 'AlertSilence',
    description:
      "Silences matching alerts' notifications for a time (reader scope, like snoozing). Alerts are not changed, so no alertChanged is sent.",
    errors: {
      types: [InvalidArgumentError, NotFoundError],
      directResult: true,
      union: { description: 'The silence, why an argument was refused, or NotFoundError (no such rule).' },
    },
    args: { input: t.arg({ type: SilenceInput, required: true, description: 'The silence.' }) },
    resolve: (query, _root, { input }, ctx) => createAlertSilence(ctx.db, input, query),
  }),
);

builder.mutationField('expireAlertSilence', (t) =>
  t.prismaField({
    authScopes: { reader: true },
    type: 'AlertSilence',
    description: 'Ends a silence now (reader scope); one that already ended is returned as it is.',
    errors: {
      types: [NotFoundError],
      directResult: true,
      union: { description: 'The silence as it is now, or NotFoundError.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The silence id.' }) },
    resolve: (query, _root, { id }, ctx) => expireAlertSilence(ctx.db, id, query),
  }),
);
