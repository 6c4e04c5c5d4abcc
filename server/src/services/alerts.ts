import { NOTIFY_CHANNELS, type AlertModel as Alert, type Prisma, type PrismaClient } from '@pmd/db';
import type pg from 'pg';

export type AlertStatusValue = 'firing' | 'acknowledged' | 'resolved';

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

/**
 * Acknowledges a firing alert and announces it in the same statement (so the notification is sent iff the change
 * commits). An acknowledged alert keeps its first acknowledgement; a resolved one stays resolved. Returns false when
 * no alert has that id.
 */
export async function acknowledgeAlert(pool: pg.Pool, alertId: number): Promise<boolean> {
  const { rows } = await pool.query<{ found: boolean }>(
    `WITH acknowledged AS (
       UPDATE alerts SET status = 'acknowledged', acknowledged_at = now(), updated_at = now()
       WHERE alert_id = $1 AND status = 'firing'
       RETURNING alert_id, status
     ), notified AS (
       SELECT pg_notify($2, json_build_object('alertId', alert_id, 'status', status)::text) FROM acknowledged
     )
     SELECT EXISTS (SELECT 1 FROM alerts WHERE alert_id = $1) AS found, (SELECT count(*) FROM notified) AS notified`,
    [alertId, NOTIFY_CHANNELS.alertChanged],
  );
  return rows[0]!.found;
}

/** Unresolved statuses: what the original's /alerts/active means by "active" (`resolved_at IS NULL`, CHECKed equal). */
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
