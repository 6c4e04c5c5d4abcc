import { describe, expect, it, vi } from 'vitest';

/**
 * The statements that store or sum counters are generated from the registry: each lists every registry counter with
 * the registry's rule, and a counter added to the registry appears in each of them without editing them.
 */

type Domain = typeof import('@pmd/domain');

/** Imports the statements afresh, against the registry as `metrics.ts` gives it. */
async function statements() {
  const domain = await import('@pmd/domain');
  const { INGEST_SQL } = await import('@pmd/db');
  const rollup = await import('./rollup-sql.ts');
  const { CAMPAIGN_SUMS_SQL, RULE_HISTORY_SQL } = await import('./alerts-sql.ts');
  return {
    domain,
    sumsOfRollupRow: domain.sumsOfRollupRow,
    /** Statements that aggregate raw events into minute rows. */
    fromEvents: { INGEST_SQL, RANGE_MINUTE_SQL: rollup.RANGE_MINUTE_SQL[1] },
    /** Statements that sum minute or hourly rows into hourly or daily rows. */
    fromRollups: {
      DRAIN_HOURLY_SQL: rollup.DRAIN_HOURLY_SQL,
      DRAIN_DAILY_SQL: rollup.DRAIN_DAILY_SQL,
      RANGE_HOURLY_SQL: rollup.RANGE_HOURLY_SQL,
      RANGE_DAILY_SQL: rollup.RANGE_DAILY_SQL,
    },
    /** The alert run's sums of minute rows. */
    alertSums: { RULE_HISTORY_SQL, CAMPAIGN_SUMS_SQL },
  };
}

function expectEveryCounter(s: Awaited<ReturnType<typeof statements>>) {
  const { domain } = s;
  for (const name of domain.COUNTER_NAMES) {
    const column = domain.COUNTERS[name].column;
    for (const [statement, sql] of Object.entries(s.fromEvents)) {
      // Both aggregate events aliased e, joined to their campaign (the spend counter's source rule).
      expect(sql, `${statement} ${name}`).toContain(`${domain.counterOverEventsSql(name, 'e')} AS ${column}`);
      expect(sql, `${statement} ${name}`).toMatch(new RegExp(`\\(campaign_id, channel, minute, [^)]*\\b${column}\\b`));
    }
    expect(s.fromEvents.INGEST_SQL).toContain(`${column} = m.${column} + EXCLUDED.${column}`);
    for (const [statement, sql] of Object.entries(s.fromRollups)) {
      expect(sql, `${statement} ${name}`).toContain(`coalesce(sum(s.${column}), 0) AS ${column}`);
      expect(sql, `${statement} ${name}`).toContain(`${column} = EXCLUDED.${column}`);
      expect(sql, `${statement} ${name}`).toContain(`t.${column}`);
    }
    for (const [statement, sql] of Object.entries(s.alertSums)) {
      expect(sql, `${statement} ${name}`).toContain(`sum(${column})::float8 AS ${column}`);
    }
    const row = { campaign_id: 'c', channel: 'x', [column]: '7' };
    expect(s.sumsOfRollupRow(row)[name]).toBe(7);
  }
  expect(Object.keys(s.sumsOfRollupRow({ campaign_id: 'c', channel: 'x' })).sort()).toEqual(
    [...domain.COUNTER_NAMES].sort(),
  );
}

describe('counter SQL from the registry', () => {
  it('lists every registry counter with its rule in ingest, rollups, backfill and alert sums', async () => {
    expectEveryCounter(await statements());
  });

  it('stores the KPIs of hourly and daily rows with the registry formulas', async () => {
    const s = await statements();
    for (const sql of Object.values(s.fromRollups)) {
      expect(sql).toContain(s.domain.kpiSql('ctr'));
      expect(sql).toContain(s.domain.kpiSql('clickToSignup'));
      expect(sql).toContain(s.domain.kpiSql('signupToActivation'));
    }
  });

  it('carries a counter added to the registry into every statement, with no other edit', async () => {
    vi.resetModules();
    vi.doMock('../../../domain/src/metrics.ts', async (importOriginal) => {
      const original = await importOriginal<Domain>();
      const COUNTERS = {
        ...original.COUNTERS,
        trials: {
          column: 'trials',
          aggregation: 'count',
          eventType: 'signup',
          label: 'Trials',
          description: 'test only',
          unit: 'count',
          higherIsBetter: true,
        },
      };
      return { ...original, COUNTERS, COUNTER_NAMES: Object.keys(COUNTERS) };
    });
    try {
      const s = await statements();
      expect(s.domain.ROLLUP_COLUMNS).toContain('trials');
      expectEveryCounter(s);
      expect(s.fromEvents.INGEST_SQL).toContain("count(*) FILTER (WHERE e.event_type = 'signup')::bigint AS trials");
      // Imported spend carries no trials: a spend import's row holds 0 of every counter but spend.
      expect(s.fromEvents.RANGE_MINUTE_SQL).toContain('0::bigint AS trials');
    } finally {
      vi.doUnmock('../../../domain/src/metrics.ts');
      vi.resetModules();
    }
  });
});
