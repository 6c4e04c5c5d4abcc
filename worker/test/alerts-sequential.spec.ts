import { useTestDatabase } from '@pmd/db/testing';
import { storeTestEvents, type TestEvent, trafficEvents } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTasks } from './testkit/jobs.ts';

// The default method (cusum) through the real anomaly_alerts task, on a simulated clock: each run is queued with the
// tick cron would give it. Traffic is the original generator's volume for one campaign (1×: 5 impressions/s) and
// 10× that, CTR 2.8 % (camp_meta_prospecting's), with nothing before the first minute: a fresh install.
const ONSET = new Date('2026-11-20T12:00:00Z');
const at = (minutes: number) => new Date(ONSET.getTime() + minutes * 60_000);
const CTR = 0.028;
const HISTORY = 30; // minutes of normal traffic before the onset: all the baseline there is
const DROP = 20; // minutes of a 45 % lower CTR
const RECOVERY = 15;

const ONE_X = { campaign_id: 'camp_one_x', channel: 'meta' };
const TEN_X = { campaign_id: 'camp_ten_x', channel: 'meta' };

function scenario(key: typeof ONE_X, impressionsPerMinute: number): TestEvent[] {
  const rates = (ctr: number) => ({ impressions: impressionsPerMinute, clicks: impressionsPerMinute * ctr });
  return [
    ...trafficEvents(key, at(-HISTORY), HISTORY, rates(CTR), `${key.campaign_id}-before`),
    ...trafficEvents(key, at(0), DROP, rates(CTR * 0.55), `${key.campaign_id}-drop`),
    ...trafficEvents(key, at(DROP), RECOVERY, rates(CTR), `${key.campaign_id}-after`),
  ];
}

describe('anomaly_alerts with the default sequential method (simulated minutes)', () => {
  const database = useTestDatabase();
  let pool: pg.Pool;
  const alertOf = async (key: typeof ONE_X) =>
    (
      await pool.query(
        `SELECT metric, status, triggered_at, resolved_at, current_value, baseline_value, worst_value, message,
                window_start, window_end, baseline_start
         FROM alerts WHERE campaign_id = $1 ORDER BY alert_id`,
        [key.campaign_id],
      )
    ).rows;
  /** Runs the task at each minute's tick from `from` to `to` (inclusive) until `done` holds; returns that tick. */
  async function tickUntil(from: number, to: number, done: () => Promise<boolean>): Promise<number | null> {
    for (let minute = from; minute <= to; minute++) {
      await runTasks(database.url, ['anomaly_alerts'], at(minute));
      if (await done()) return minute;
    }
    return null;
  }

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: database.url });
    pool.on('error', () => {}); // idle clients are cut when the test database is dropped
    const events = [...scenario(ONE_X, 300), ...scenario(TEN_X, 3000)];
    for (let i = 0; i < events.length; i += 5000) await storeTestEvents(pool, events.slice(i, i + 5000));
  }, 120_000);
  afterAll(() => pool.end());

  // 30 task runs through graphile-worker: seconds on a loaded machine.
  it(
    'fires nothing on the history before the onset, though the rule runs from the first minutes',
    { timeout: 30_000 },
    async () => {
      expect(await tickUntil(-HISTORY + 1, 0, async () => (await alertOf(ONE_X)).length > 0)).toBeNull();
      expect(await alertOf(TEN_X)).toEqual([]);
    },
  );

  it('fires a 45 % CTR drop within 2 minutes at 10× volume, and within 12 at 1×, over the minutes since the onset', async () => {
    const tenX = await tickUntil(1, DROP, async () => (await alertOf(TEN_X)).length > 0);
    expect(tenX).not.toBeNull();
    expect(tenX).toBeLessThanOrEqual(2);
    const [alert] = await alertOf(TEN_X);
    expect(alert).toMatchObject({ metric: 'ctr_drop', status: 'firing', triggered_at: at(tenX!), window_start: at(0) });
    expect(alert.current_value).toBeCloseTo(CTR * 0.55, 3);
    expect(alert.worst_value).toBe(alert.current_value);
    expect(alert.message).toMatch(/^CTR dropped 4\d% for camp_ten_x \(meta\): 1\.5\d% vs baseline 2\.80%/);

    // At 1× the evidence needs longer (bench:alerts measures it: see the README).
    const oneX = await tickUntil(tenX! + 1, DROP, async () => (await alertOf(ONE_X)).length > 0);
    expect(oneX).not.toBeNull();
    expect(oneX).toBeLessThanOrEqual(12);
    expect(await alertOf(ONE_X)).toEqual([
      expect.objectContaining({ metric: 'ctr_drop', window_start: at(0), window_end: at(oneX!) }),
    ]);
  });

  it('keeps values current while the drop lasts and resolves after recovery with the recovered values, the worst kept', async () => {
    await runTasks(database.url, ['anomaly_alerts'], at(DROP));
    const [during] = await alertOf(TEN_X);
    expect(during).toMatchObject({ status: 'firing', window_start: at(0), window_end: at(DROP) });
    const resolvedAt = await tickUntil(DROP + 1, DROP + RECOVERY, async () =>
      (await alertOf(TEN_X)).every((a) => a.resolved_at !== null),
    );
    expect(resolvedAt).not.toBeNull();
    expect(resolvedAt! - DROP).toBeLessThanOrEqual(2);
    const [after] = await alertOf(TEN_X);
    expect(after).toMatchObject({ status: 'resolved', resolved_at: at(resolvedAt!), window_start: at(DROP) });
    expect(after.current_value).toBeCloseTo(CTR, 3); // the recovered minutes, not the drop
    expect(after.message).toMatch(/^CTR recovered for camp_ten_x \(meta\): 2\.80% vs baseline/);
    expect(after.worst_value).toBeCloseTo(CTR * 0.55, 3); // the peak of the drop, kept
    expect(after.worst_value).toBeLessThan(after.current_value);
  });
});
