import {
  MAX_ALERT_ACTOR_LENGTH,
  MAX_ALERT_NOTE_LENGTH,
  MAX_CHANNEL_LENGTH,
  MAX_ID_LENGTH,
  MAX_SNOOZE_DAYS,
  type AlertSilenceModel,
  type Prisma,
  type PrismaClient,
} from '@pmd/db';
import { parseRuleId } from './alert-rules.ts';
import { InvalidArgumentError, NotFoundError } from './errors.ts';

/**
 * Silences mute the notifications of the alerts they match (by rule, campaign and channel; a matcher left out matches
 * anything) between startsAt and endsAt: marketers silence a campaign during planned work. The database applies them
 * (alert_silenced() in the notification triggers and repeats); alerts still fire and resolve, so nothing here
 * changes an alert or needs announcing.
 */

export interface AlertSilenceInput {
  ruleId?: string | number | null;
  campaignId?: string | null;
  channel?: string | null;
  startsAt?: Date | null;
  endsAt: Date;
  by?: string | null;
  comment?: string | null;
}

/** Most silences one list returns (newest ending first); with expired ones included the table only grows. */
export const MAX_SILENCES_LISTED = 500;

const DAY_MS = 86_400_000;

/** A text matcher or field trimmed (blank = none) and at most `max` characters, else InvalidArgumentError. */
function bounded(value: string | null | undefined, max: number, argument: string): string | null {
  const text = value?.trim() || null;
  if (text !== null && text.length > max) {
    throw new InvalidArgumentError(`${argument}: at most ${max} characters; got ${text.length}.`, argument);
  }
  return text;
}

/** The selection GraphQL asks for (Pothos' `query`), spread into the read. */
export interface SilenceQuery {
  include?: Prisma.AlertSilenceInclude;
  select?: Prisma.AlertSilenceSelect;
}

export async function createAlertSilence(
  db: PrismaClient,
  input: AlertSilenceInput,
  query: SilenceQuery = {},
  now: Date = new Date(),
): Promise<AlertSilenceModel> {
  const campaignId = bounded(input.campaignId, MAX_ID_LENGTH, 'campaignId');
  const channel = bounded(input.channel, MAX_CHANNEL_LENGTH, 'channel');
  const createdBy = bounded(input.by, MAX_ALERT_ACTOR_LENGTH, 'by');
  const comment = bounded(input.comment, MAX_ALERT_NOTE_LENGTH, 'comment');
  const startsAt = input.startsAt ?? now;
  const endsAt = input.endsAt;
  if (endsAt <= now) throw new InvalidArgumentError('endsAt must be in the future.', 'endsAt');
  if (endsAt.getTime() - now.getTime() > MAX_SNOOZE_DAYS * DAY_MS) {
    throw new InvalidArgumentError(`endsAt: a silence lasts until at most ${MAX_SNOOZE_DAYS} days ahead.`, 'endsAt');
  }
  if (endsAt <= startsAt) throw new InvalidArgumentError('endsAt must be after startsAt.', 'endsAt');
  let ruleId: number | null = null;
  if (input.ruleId !== null && input.ruleId !== undefined) {
    ruleId = parseRuleId(input.ruleId);
    const rule =
      ruleId === null ? null : await db.alertRule.findUnique({ where: { id: ruleId }, select: { id: true } });
    if (!rule) {
      throw new NotFoundError(`No alert rule has id "${input.ruleId}".`, 'AlertRule', String(input.ruleId));
    }
  }
  return db.alertSilence.create({
    ...query,
    data: { ruleId, campaignId, channel, startsAt, endsAt, createdBy, comment },
  }) as Promise<AlertSilenceModel>;
}

/**
 * Ends a silence now (an already ended one stays as it is). One that has not started yet also starts "now", a
 * microsecond earlier, since a silence must end after it starts: it never muted anything either way.
 */
export async function expireAlertSilence(
  db: PrismaClient,
  id: string | number,
  query: SilenceQuery = {},
): Promise<AlertSilenceModel> {
  const silenceId = parseRuleId(id);
  const missing = new NotFoundError(`No alert silence has id "${id}".`, 'AlertSilence', String(id));
  if (silenceId === null) throw missing;
  await db.$executeRaw`
    UPDATE alert_silences
    SET ends_at = now(), starts_at = least(starts_at, now() - interval '1 microsecond')
    WHERE id = ${silenceId} AND ends_at > now()`;
  const silence = (await db.alertSilence.findUnique({
    ...query,
    where: { id: silenceId },
  })) as AlertSilenceModel | null;
  if (!silence) throw missing;
  return silence;
}

/** Silences not yet ended (with `includeExpired`, all), newest ending first, at most MAX_SILENCES_LISTED. */
export function listAlertSilences(
  db: PrismaClient,
  includeExpired: boolean,
  query: SilenceQuery,
): Promise<AlertSilenceModel[]> {
  return db.alertSilence.findMany({
    ...query,
    where: includeExpired ? {} : { endsAt: { gt: new Date() } },
    orderBy: [{ endsAt: 'desc' }, { id: 'desc' }],
    take: MAX_SILENCES_LISTED,
  }) as Promise<AlertSilenceModel[]>;
}
