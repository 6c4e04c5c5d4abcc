import {
  MAX_CHANNEL_NAME_LENGTH,
  MAX_CHANNEL_SECRET_LENGTH,
  MAX_CHANNEL_TARGET_LENGTH,
  MAX_DELIVERIES_PAGE,
  MAX_REPEAT_INTERVAL_MINUTES,
  MIN_CHANNEL_SECRET_LENGTH,
  type NotificationChannelKind,
  type NotificationDeliveryModel,
} from '@pmd/db';
import { builder } from '../builder.ts';
import {
  type ChannelView,
  createChannel,
  DEFAULT_DELIVERIES_PAGE,
  deleteChannel,
  listChannels,
  listDeliveries,
  sendTestNotification,
  updateChannel,
} from '../services/notifications.ts';
import { InvalidArgumentError, NotFoundError } from './error.ts';

const NotificationChannelKindEnum = builder.enumType('NotificationChannelKind', {
  description: 'How a channel is reached.',
  values: {
    WEBHOOK: { value: 'webhook', description: 'POST of the JSON payload, signed with HMAC-SHA256 (see the README).' },
    SLACK: { value: 'slack', description: 'A Slack-compatible incoming webhook (`{ text, blocks }`).' },
    EMAIL: { value: 'email', description: 'Email over SMTP to comma-separated addresses.' },
  } as const,
});

const NotificationEventEnum = builder.enumType('NotificationEvent', {
  description: 'Why a notification was sent.',
  values: {
    FIRED: { value: 'fired', description: 'An alert fired.' },
    RESOLVED: { value: 'resolved', description: 'An alert resolved.' },
    REPEAT: { value: 'repeat', description: "An alert is still firing after the channel's repeat interval." },
    TEST: { value: 'test', description: 'A test sent with sendTestNotification.' },
  } as const,
});

const NotificationDeliveryStatusEnum = builder.enumType('NotificationDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { value: 'pending', description: 'Queued, or waiting for its next attempt after a failure.' },
    SENDING: { value: 'sending', description: 'An attempt is under way.' },
    SENT: { value: 'sent', description: 'The receiver accepted it.' },
    FAILED: { value: 'failed', description: 'Every attempt failed (or the channel was disabled); no more retries.' },
  } as const,
});

export const NotificationChannelRef = builder.objectRef<ChannelView>('NotificationChannel').implement({
  description: 'Where alert notifications go. The secret is write-only: only `hasSecret` is readable.',
  fields: (t) => ({
    id: t.id({ description: 'The channel id.', resolve: (c) => String(c.id) }),
    name: t.exposeString('name', { description: 'A unique name.' }),
    kind: t.field({
      type: NotificationChannelKindEnum,
      description: 'Webhook, Slack or email.',
      resolve: (c) => c.kind as NotificationChannelKind,
    }),
    target: t.exposeString('target', { description: 'The URL, or comma-separated email addresses.' }),
    hasSecret: t.exposeBoolean('hasSecret', { description: 'Webhooks only: a signing secret is set.' }),
    enabled: t.exposeBoolean('enabled', { description: 'Disabled channels get no alert notifications.' }),
    notifyOnFire: t.exposeBoolean('notifyOnFire', { description: 'Notify when an alert fires (and repeats).' }),
    notifyOnResolve: t.exposeBoolean('notifyOnResolve', { description: 'Notify when an alert resolves.' }),
    repeatIntervalMinutes: t.exposeInt('repeatIntervalMinutes', {
      nullable: true,
      description: 'Minutes between reminders while an alert keeps firing; null = none.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change.' }),
  }),
});

const NotificationDeliveryRef = builder.objectRef<NotificationDeliveryModel>('NotificationDelivery').implement({
  description: 'One message to one channel, with the outcome of its last attempt.',
  fields: (t) => ({
    id: t.id({ description: 'The delivery id.', resolve: (d) => d.id.toString() }),
    channelId: t.id({ description: 'The channel.', resolve: (d) => String(d.channelId) }),
    alertId: t.id({
      nullable: true,
      description: 'The alert; null for tests.',
      resolve: (d) => (d.alertId === null ? null : String(d.alertId)),
    }),
    event: t.field({ type: NotificationEventEnum, description: 'Why.', resolve: (d) => d.event as never }),
    idempotencyKey: t.exposeString('idempotencyKey', {
      description: 'Sent with every attempt (`Idempotency-Key`), so a receiver can drop repeats.',
    }),
    status: t.field({
      type: NotificationDeliveryStatusEnum,
      description: 'Where it stands.',
      resolve: (d) => d.status as never,
    }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    lastResponseCode: t.exposeInt('lastResponseCode', {
      nullable: true,
      description: 'HTTP status of the last attempt (webhook, Slack); null for email or when no answer came.',
    }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was queued.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last attempt or change.' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'When the receiver accepted it.' }),
  }),
});

const LIMITS = `Names up to ${MAX_CHANNEL_NAME_LENGTH} characters; targets up to ${MAX_CHANNEL_TARGET_LENGTH} (http/https URLs, or email addresses); secrets ${MIN_CHANNEL_SECRET_LENGTH} to ${MAX_CHANNEL_SECRET_LENGTH} characters; repeat 1 to ${MAX_REPEAT_INTERVAL_MINUTES} minutes.`;

const CreateInput = builder.inputType('CreateNotificationChannelInput', {
  description: `A new channel. ${LIMITS}`,
  fields: (t) => ({
    name: t.string({ required: true, description: 'A unique name.' }),
    kind: t.field({ type: NotificationChannelKindEnum, required: true, description: 'Webhook, Slack or email.' }),
    target: t.string({ required: true, description: 'The URL, or comma-separated email addresses.' }),
    secret: t.string({ required: false, description: 'Webhooks: HMAC-SHA256 signing secret (write-only).' }),
    enabled: t.boolean({ required: false, description: 'Default true.' }),
    notifyOnFire: t.boolean({ required: false, description: 'Default true.' }),
    notifyOnResolve: t.boolean({ required: false, description: 'Default true.' }),
    repeatIntervalMinutes: t.int({ required: false, description: 'Reminder interval; default none.' }),
  }),
});

const UpdateInput = builder.inputType('UpdateNotificationChannelInput', {
  description: `Changes to a channel; a field left out stays as it is (the kind cannot change). ${LIMITS}`,
  fields: (t) => ({
    name: t.string({ required: false, description: 'A unique name.' }),
    target: t.string({ required: false, description: 'The URL, or comma-separated email addresses.' }),
    secret: t.string({ required: false, description: 'Webhooks: a new signing secret (write-only).' }),
    clearSecret: t.boolean({ required: false, description: 'Remove the signing secret.' }),
    enabled: t.boolean({ required: false, description: 'Enable or disable.' }),
    notifyOnFire: t.boolean({ required: false, description: 'Notify when an alert fires.' }),
    notifyOnResolve: t.boolean({ required: false, description: 'Notify when an alert resolves.' }),
    repeatIntervalMinutes: t.int({ required: false, description: 'Reminder interval; null removes it.' }),
  }),
});

const DeletedChannelRef = builder.objectRef<{ id: number }>('DeletedNotificationChannel').implement({
  description: 'A channel that was deleted, with its delivery log.',
  fields: (t) => ({ id: t.id({ description: 'Its id.', resolve: (d) => String(d.id) }) }),
});

builder.queryField('notificationChannels', (t) =>
  t.field({
    authScopes: { reader: true },
    type: [NotificationChannelRef],
    description: 'Every notification channel, oldest first (secrets are never returned).',
    resolve: (_root, _args, ctx) => listChannels(ctx.db),
  }),
);

const DeliveryLogRef = builder
  .objectRef<{ deliveries: NotificationDeliveryModel[] }>('NotificationDeliveryLog')
  .implement({
    description: 'A page of the delivery log, newest first.',
    fields: (t) => ({
      deliveries: t.field({
        type: [NotificationDeliveryRef],
        description: 'The deliveries.',
        resolve: (log) => log.deliveries,
      }),
    }),
  });

builder.queryField('notificationDeliveries', (t) =>
  t.field({
    authScopes: { reader: true },
    type: DeliveryLogRef,
    description: `The delivery log, newest first, optionally of one alert and/or channel (first: 1 to ${MAX_DELIVERIES_PAGE}, default ${DEFAULT_DELIVERIES_PAGE}).`,
    errors: {
      types: [InvalidArgumentError],
      directResult: true,
      union: { description: 'The log, or InvalidArgumentError.' },
    },
    args: {
      alertId: t.arg.id({ required: false, description: 'Only this alert.' }),
      channelId: t.arg.id({ required: false, description: 'Only this channel.' }),
      first: t.arg.int({ required: false, description: `How many (1 to ${MAX_DELIVERIES_PAGE}).` }),
    },
    resolve: async (_root, args, ctx) => ({ deliveries: await listDeliveries(ctx.db, args) }),
  }),
);

const channelErrors = (description: string) => ({
  types: [InvalidArgumentError, NotFoundError],
  directResult: true as const,
  union: { description },
});

builder.mutationField('createNotificationChannel', (t) =>
  t.field({
    authScopes: { admin: true },
    type: NotificationChannelRef,
    description: 'Creates a channel (admin scope).',
    errors: channelErrors('The new channel, or why it was refused.'),
    args: { input: t.arg({ type: CreateInput, required: true, description: 'The channel.' }) },
    resolve: (_root, { input }, ctx) =>
      createChannel(ctx.db, input, { allowPrivateTargets: ctx.config.allowPrivateWebhookTargets }),
  }),
);

builder.mutationField('updateNotificationChannel', (t) =>
  t.field({
    authScopes: { admin: true },
    type: NotificationChannelRef,
    description: 'Changes a channel (admin scope).',
    errors: channelErrors('The channel as it is now, or why the change was refused.'),
    args: {
      id: t.arg.id({ required: true, description: 'The channel id.' }),
      input: t.arg({ type: UpdateInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, input }, ctx) =>
      updateChannel(ctx.db, id, input, { allowPrivateTargets: ctx.config.allowPrivateWebhookTargets }),
  }),
);

builder.mutationField('deleteNotificationChannel', (t) =>
  t.field({
    authScopes: { admin: true },
    type: DeletedChannelRef,
    description: 'Deletes a channel and its delivery log (admin scope).',
    errors: {
      types: [NotFoundError],
      directResult: true,
      union: { description: 'The deleted channel, or NotFoundError.' },
    },
    args: { id: t.arg.id({ required: true, description: 'The channel id.' }) },
    resolve: async (_root, { id }, ctx) => ({ id: await deleteChannel(ctx.db, id) }),
  }),
);

builder.mutationField('sendTestNotification', (t) =>
  t.field({
    authScopes: { admin: true },
    type: NotificationDeliveryRef,
    description: 'Queues a test notification to the channel (admin scope); follow it in notificationDeliveries.',
    errors: {
      types: [NotFoundError],
      directResult: true,
      union: { description: 'The queued delivery, or NotFoundError.' },
    },
    args: { channelId: t.arg.id({ required: true, description: 'The channel id.' }) },
    resolve: (_root, { channelId }, ctx) => sendTestNotification(ctx.pool, ctx.db, channelId),
  }),
);
