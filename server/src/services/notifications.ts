import {
  channelTargetProblem,
  isPrivateHost,
  MAX_CHANNEL_NAME_LENGTH,
  MAX_CHANNEL_SECRET_LENGTH,
  MAX_DELIVERIES_PAGE,
  MAX_REPEAT_INTERVAL_MINUTES,
  MIN_CHANNEL_SECRET_LENGTH,
  type NotificationChannelKind,
  type NotificationChannelModel,
  type NotificationDeliveryModel,
  Prisma,
  type PrismaClient,
} from '@pmd/db';
import type pg from 'pg';
import { InvalidArgumentError, NotFoundError } from './errors.ts';

/**
 * Notification channels (create, change, delete, test) and the delivery log. Deliveries themselves are enqueued by
 * the database (the trigger on alerts; notification_enqueue for tests) and sent by the worker's deliver_notification.
 * A channel's secret is write-only: it is stored and used to sign, and only `hasSecret` is ever read back.
 */

/** A channel as readers see it: everything but the secret. */
export type ChannelView = Omit<NotificationChannelModel, 'secret'> & { hasSecret: boolean };

export interface ChannelInput {
  name?: string | null;
  kind?: NotificationChannelKind | null;
  target?: string | null;
  secret?: string | null;
  clearSecret?: boolean | null;
  enabled?: boolean | null;
  notifyOnFire?: boolean | null;
  notifyOnResolve?: boolean | null;
  /** null clears (no repeats); undefined leaves as is. */
  repeatIntervalMinutes?: number | null;
}

export interface ChannelPolicy {
  allowPrivateTargets: boolean;
}

export function channelView(channel: NotificationChannelModel): ChannelView {
  const { secret, ...rest } = channel;
  return { ...rest, hasSecret: secret !== null };
}

const notFound = (id: string | number) =>
  new NotFoundError(`No notification channel has id "${id}".`, 'NotificationChannel', String(id));

/** A channel id from GraphQL's ID (a positive int), or null. */
export function parseChannelId(id: string | number): number | null {
  const text = String(id);
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}

/** Checks the fields given (all required ones for a new channel); throws InvalidArgumentError naming the first bad. */
function validate(input: ChannelInput, kind: NotificationChannelKind, policy: ChannelPolicy): void {
  if (input.name !== undefined && input.name !== null) {
    const name = input.name.trim();
    if (!name) throw new InvalidArgumentError('The name must not be empty.', 'name');
    if (name.length > MAX_CHANNEL_NAME_LENGTH) {
      throw new InvalidArgumentError(`The name must be at most ${MAX_CHANNEL_NAME_LENGTH} characters.`, 'name');
    }
  }
  if (input.target !== undefined && input.target !== null) {
    const problem = channelTargetProblem(kind, input.target.trim());
    if (problem) throw new InvalidArgumentError(`The target ${problem}.`, 'target');
    if (kind !== 'email' && !policy.allowPrivateTargets && isPrivateHost(new URL(input.target.trim()).hostname)) {
      throw new InvalidArgumentError(
        'The target is a loopback, private or link-local address; this server refuses those ' +
          '(ALLOW_PRIVATE_WEBHOOK_TARGETS).',
        'target',
      );
    }
  }
  if (input.secret !== undefined && input.secret !== null) {
    if (kind !== 'webhook') throw new InvalidArgumentError('Only webhook channels sign with a secret.', 'secret');
    if (input.secret.length < MIN_CHANNEL_SECRET_LENGTH || input.secret.length > MAX_CHANNEL_SECRET_LENGTH) {
      throw new InvalidArgumentError(
        `The secret must be ${MIN_CHANNEL_SECRET_LENGTH} to ${MAX_CHANNEL_SECRET_LENGTH} characters.`,
        'secret',
      );
    }
  }
  const repeat = input.repeatIntervalMinutes;
  if (repeat !== undefined && repeat !== null && (repeat < 1 || repeat > MAX_REPEAT_INTERVAL_MINUTES)) {
    throw new InvalidArgumentError(
      `The repeat interval must be 1 to ${MAX_REPEAT_INTERVAL_MINUTES} minutes (or null: no repeats).`,
      'repeatIntervalMinutes',
    );
  }
}

/** Prisma's unique violation on the name becomes a typed error. */
async function uniqueName<T>(name: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new InvalidArgumentError(`A channel named ${JSON.stringify(name)} exists already.`, 'name');
    }
    throw error;
  }
}

export async function listChannels(db: PrismaClient): Promise<ChannelView[]> {
  return (await db.notificationChannel.findMany({ orderBy: { id: 'asc' } })).map(channelView);
}

export async function createChannel(
  db: PrismaClient,
  input: ChannelInput,
  policy: ChannelPolicy,
): Promise<ChannelView> {
  const kind = input.kind;
  if (!kind) throw new InvalidArgumentError('The kind is required.', 'kind');
  if (!input.name) throw new InvalidArgumentError('The name is required.', 'name');
  if (!input.target) throw new InvalidArgumentError('The target is required.', 'target');
  validate(input, kind, policy);
  const created = await uniqueName(input.name, () =>
    db.notificationChannel.create({
      data: {
        name: input.name!.trim(),
        kind,
        target: input.target!.trim(),
        secret: input.secret ?? null,
        enabled: input.enabled ?? true,
        notifyOnFire: input.notifyOnFire ?? true,
        notifyOnResolve: input.notifyOnResolve ?? true,
        repeatIntervalMinutes: input.repeatIntervalMinutes ?? null,
      },
    }),
  );
  return channelView(created);
}

export async function updateChannel(
  db: PrismaClient,
  id: string | number,
  input: ChannelInput,
  policy: ChannelPolicy,
): Promise<ChannelView> {
  const channelId = parseChannelId(id);
  const existing = channelId === null ? null : await db.notificationChannel.findUnique({ where: { id: channelId } });
  if (!existing) throw notFound(id);
  const kind = existing.kind as NotificationChannelKind;
  validate(input, kind, policy);
  if (input.secret && input.clearSecret) {
    throw new InvalidArgumentError('Give a new secret or clear it, not both.', 'clearSecret');
  }
  const updated = await uniqueName(input.name, () =>
    db.notificationChannel.update({
      where: { id: existing.id },
      data: {
        name: input.name?.trim() ?? undefined,
        target: input.target?.trim() ?? undefined,
        secret: input.clearSecret ? null : (input.secret ?? undefined),
        enabled: input.enabled ?? undefined,
        notifyOnFire: input.notifyOnFire ?? undefined,
        notifyOnResolve: input.notifyOnResolve ?? undefined,
        repeatIntervalMinutes: input.repeatIntervalMinutes,
        updatedAt: new Date(),
      },
    }),
  );
  return channelView(updated);
}

/** Deletes a channel and its delivery log (ON DELETE CASCADE); a queued job then finds nothing and ends. */
export async function deleteChannel(db: PrismaClient, id: string | number): Promise<number> {
  const channelId = parseChannelId(id);
  const deleted =
    channelId === null ? { count: 0 } : await db.notificationChannel.deleteMany({ where: { id: channelId } });
  if (!deleted.count) throw notFound(id);
  return channelId!;
}

/**
 * Queues a `test` delivery to the channel (even a disabled one: testing before enabling is the point) through the
 * same SQL function as alert deliveries, so it is sent, retried and logged the same way.
 */
export async function sendTestNotification(
  pool: pg.Pool,
  db: PrismaClient,
  id: string | number,
): Promise<NotificationDeliveryModel> {
  const channelId = parseChannelId(id);
  if (channelId === null) throw notFound(id);
  const { rows } = await pool.query<{ id: string | null }>(
    `SELECT notification_enqueue(c.id, NULL, 'test', format('test:%s:channel:%s', gen_random_uuid(), c.id)) AS id
     FROM notification_channels c WHERE c.id = $1`,
    [channelId],
  );
  const deliveryId = rows[0]?.id;
  if (!deliveryId) throw notFound(id);
  return db.notificationDelivery.findUniqueOrThrow({ where: { id: BigInt(deliveryId) } });
}

export interface DeliveryFilter {
  alertId?: string | number | null;
  channelId?: string | number | null;
  first?: number | null;
}

export const DEFAULT_DELIVERIES_PAGE = 50;

/** The delivery log, newest first. */
export async function listDeliveries(db: PrismaClient, filter: DeliveryFilter): Promise<NotificationDeliveryModel[]> {
  const first = filter.first ?? DEFAULT_DELIVERIES_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES_PAGE) {
    throw new InvalidArgumentError(`first must be 1 to ${MAX_DELIVERIES_PAGE}.`, 'first');
  }
  const id = (value: string | number | null | undefined, argument: string) => {
    if (value === null || value === undefined) return undefined;
    const parsed = parseChannelId(value);
    if (parsed === null) throw new InvalidArgumentError(`${argument} must be a numeric id.`, argument);
    return parsed;
  };
  return db.notificationDelivery.findMany({
    where: { alertId: id(filter.alertId, 'alertId'), channelId: id(filter.channelId, 'channelId') },
    orderBy: { id: 'desc' },
    take: first,
  });
}
