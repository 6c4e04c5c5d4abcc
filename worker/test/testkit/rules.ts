import type { AlertRuleSettings } from '@pmd/domain';
import pg from 'pg';

/**
 * Alert rules for tests and benches, written as the API would store them (the worker only reads `alert_rules`). The
 * migrations seed seven enabled default rules: four against baselines (CTR drop, Click→signup drop, Signup→activation
 * drop, CPC spike) and three target rules (projected overspend, CPA above target, ROAS below target).
 */

type Queryable = Pick<pg.ClientBase, 'query'>;

/** A rule setting's column in `alert_rules`. */
const COLUMNS: Record<keyof AlertRuleSettings, string> = {
  name: 'name',
  metric: 'metric',
  scope: 'scope',
  scopeValue: 'scope_value',
  method: 'method',
  windowMinutes: 'window_minutes',
  baseline: 'baseline',
  baselineHours: 'baseline_hours',
  minRelativeChange: 'min_relative_change',
  recoveryChange: 'recovery_change',
  significance: 'significance',
  recoverySignificance: 'recovery_significance',
  minVolume: 'min_volume',
  minBaselineVolume: 'min_baseline_volume',
  expectedValue: 'expected_value',
  pendingMinutes: 'pending_minutes',
  severity: 'severity',
  enabled: 'enabled',
};

async function withDb<T>(db: Queryable | string, work: (q: Queryable) => Promise<T>): Promise<T> {
  if (typeof db !== 'string') return work(db);
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const entries = (settings: Partial<AlertRuleSettings>) =>
  Object.entries(settings).filter(([, value]) => value !== undefined) as [keyof AlertRuleSettings, unknown][];

/**
 * Sets `patch` on the rules matching every setting of `where` (all rules when empty); returns how many changed.
 * E.g. `setRules(url, { method: 'window', windowMinutes: 15, significance: 3, minBaselineVolume: 200 }, { metric: 'ctr_drop' })`.
 */
export function setRules(
  db: Queryable | string,
  patch: Partial<AlertRuleSettings>,
  where: Partial<AlertRuleSettings> = {},
): Promise<number> {
  const set = entries(patch);
  const match = entries(where);
  const sql = `UPDATE alert_rules SET ${[...set.map(([key], i) => `${COLUMNS[key]} = $${i + 1}`), 'updated_at = now()'].join(', ')}
    WHERE ${match.length ? match.map(([key], i) => `${COLUMNS[key]} = $${set.length + i + 1}`).join(' AND ') : 'true'}`;
  return withDb(
    db,
    async (q) =>
      (
        await q.query(
          sql,
          [...set, ...match].map(([, v]) => v),
        )
      ).rowCount ?? 0,
  );
}

/** Inserts a rule (any setting left out takes the column's default, or must have none); returns its id. */
export function createRule(db: Queryable | string, settings: Partial<AlertRuleSettings>): Promise<number> {
  const set = entries(settings);
  const sql = `INSERT INTO alert_rules (${set.map(([key]) => COLUMNS[key]).join(', ')})
    VALUES (${set.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`;
  return withDb(
    db,
    async (q) =>
      (
        await q.query<{ id: number }>(
          sql,
          set.map(([, v]) => v),
        )
      ).rows[0]!.id,
  );
}

/** Routes a rule to notification channels only (none: back to every enabled channel). */
export function routeRule(db: Queryable | string, ruleId: number, channelIds: readonly number[]): Promise<void> {
  return withDb(db, async (q) => {
    await q.query('DELETE FROM alert_rule_channels WHERE rule_id = $1', [ruleId]);
    for (const channelId of channelIds) {
      await q.query('INSERT INTO alert_rule_channels (rule_id, channel_id) VALUES ($1, $2)', [ruleId, channelId]);
    }
  });
}
