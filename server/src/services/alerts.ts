import {
  MAX_ALERT_ACTOR_LENGTH,
  MAX_ALERT_NOTE_LENGTH,
  MAX_SNOOZE_DAYS,
  NOTIFY_CHANNELS,
  type AlertModel as Alert,
  type AlertStatus,
  type Prisma,
  type PrismaClient,
} from '@pmd/db';
import { InvalidArgumentError } from './errors.ts';
import type pg from 'pg';
import { inTransaction } from './transaction.ts';

export type AlertStatusValue = AlertStatus;

/** The Prisma filter of the alerts list (status any of, one campaign). */
export function alertsWhere(filter: {
  status?: readonly AlertStatusValue[] | null;
  campaignId?: string | null;
}): Prisma.AlertWhereInput {
  return {
    ...(filter.status?.length ? { status: { in: [...filter.status] } } : {}),
    ...(filter.campaignId ? { campaignId: filter.campaignId } : {}),
  };
}

/** Who changed an alert and why, as people gave them. */
export interface AlertActor {
  by?: string | null;
  note?: string | null;
}

/** The name and note, trimmed (blank = none), within the domain's limits; else InvalidArgumentError naming which. */
export function checkAlertActor(actor: AlertActor): AlertActor {
  const by = actor.by?.trim() || null;
  const note = actor.note?.trim() || null;
  if (by !== null && by.length > MAX_ALERT_ACTOR_LENGTH) {
    throw new InvalidArgumentError(`by: at most ${MAX_ALERT_ACTOR_LENGTH} characters; got ${by.length}.`, 'by');
  }
  if (note !== null && note.length > MAX_ALERT_NOTE_LENGTH) {
    throw new InvalidArgumentError(`note: at most ${MAX_ALERT_NOTE_LENGTH} characters; got ${note.length}.`, 'note');
  }
  return { by, note };
}

/** A snooze ends in the future and at most MAX_SNOOZE_DAYS ahead; null wakes the alert. */
export function checkSnoozeUntil(until: Date | null, now: Date = new Date()): Date | null {
  if (until === null) return null;
  if (Number.isNaN(until.getTime()) || until <= now) {
    throw new InvalidArgumentError('until must be in the future (or null to wake the alert).', 'until');
  }
  if (until.getTime() - now.getTime() > MAX_SNOOZE_DAYS * 86_400_000) {
    throw new InvalidArgumentError(`until: an alert can be snoozed at most ${MAX_SNOOZE_DAYS} days ahead.`, 'until');
  }
  return until;
}

/**
 * Runs `statement` in a transaction that names its actor and note, so the state-change trigger
 * (tg_alerts__record_state_change) writes them into the alert's history with the change.
 */
async function asActor<T>(pool: pg.Pool, actor: AlertActor, statement: (client: pg.PoolClient) => Promise<T>) {
  return inTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('pmd.actor', $1, true), set_config('pmd.note', $2, true)`, [
      actor.by ?? '',
      actor.note ?? '',
    ]);
    return statement(client);
  });
}

/**
 * Acknowledges a firing alert, with who and why, and announces it in the same statement (so the notification is sent
 * iff the change commits). An acknowledged alert keeps its first acknowledgement; a resolved one stays resolved.
 * Returns false when no alert has that id.
 */
export async function acknowledgeAlert(pool: pg.Pool, alertId: number, actor: AlertActor = {}): Promise<boolean> {
  return asActor(pool, actor, async (client) => {
    const { rows } = await client.query<{ found: boolean }>(
      `WITH acknowledged AS (
         UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $3,
                           acknowledge_note = $4, updated_at = now()
         WHERE alert_id = $1 AND status = 'firing'
         RETURNING alert_id, status
       ), notified AS (
         SELECT pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text) FROM acknowledged
       )
       SELECT EXISTS (SELECT 1 FROM alerts WHERE alert_id = $1) AS found, (SELECT count(*) FROM notified) AS notified`,
      [alertId, NOTIFY_CHANNELS.alertChanged, actor.by ?? null, actor.note ?? null],
    );
    return rows[0]!.found;
  });
}

/**
 * Snoozes an unresolved alert until `until` (null: wakes it now): its notifications wait, it keeps firing and
 * resolving meanwhile. Announced like any change. Returns false when no unresolved alert has that id.
 */
export async function snoozeAlert(
  pool: pg.Pool,
  alertId: number,
  until: Date | null,
  actor: AlertActor = {},
): Promise<boolean> {
  return asActor(pool, actor, async (client) => {
    const { rowCount } = await client.query(
      `WITH snoozed AS (
         UPDATE alerts SET snoozed_until = $3, updated_at = now()
         WHERE alert_id = $1 AND resolved_at IS NULL
         RETURNING alert_id, status
       )
       SELECT pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text) FROM snoozed`,
      [alertId, NOTIFY_CHANNELS.alertChanged, until],
    );
    return (rowCount ?? 0) > 0;
  });
}

/**
 * Fired and unresolved: what the original's /alerts/active means by "active". A pending alert is unresolved too but
 * never fired (nobody was told), and a cancelled one is closed, so neither is active.
 */
export const ACTIVE_ALERT_STATUSES: readonly AlertStatusValue[] = ['firing', 'acknowledged'];

/** Newest first by when they fired; the id breaks ties so pages and cursors are stable. */
const NEWEST_FIRST: Prisma.AlertOrderByWithRelationInput[] = [{ triggeredAt: 'desc' }, { alertId: 'desc' }];

/** A page of alerts: REST passes `take`, GraphQL its Relay page (take, skip, cursor) and selection. */
export type AlertPage = Pick<Prisma.AlertFindManyArgs, 'take' | 'skip' | 'cursor' | 'select'>;

/**
 * Alerts matching the filter, newest first: the one read behind GraphQL `alerts` (active ones: `status: [FIRING,
 * ACKNOWLEDGED]`) and REST `GET /alerts/active` (the original's endpoint, without its resolved-alerts bug).
 */
export function listAlerts(
  db: PrismaClient,
  filter: Parameters<typeof alertsWhere>[0],
  page: AlertPage,
): Promise<Alert[]> {
  return db.alert.findMany({ ...page, where: alertsWhere(filter), orderBy: NEWEST_FIRST }) as Promise<Alert[]>;
}

export function countAlerts(db: PrismaClient, filter: Parameters<typeof alertsWhere>[0]): Promise<number> {
  return db.alert.count({ where: alertsWhere(filter) });
}

/** Parses a GraphQL `ID` of an alert (its alert_id); null when it cannot name one. */
export function parseAlertId(id: string | number): number | null {
  const value = Number(id);
  return Number.isSafeInteger(value) && value > 0 && value <= 2_147_483_647 ? value : null;
}
