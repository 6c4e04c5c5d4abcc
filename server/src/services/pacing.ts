import type pg from 'pg';
import { pacingWindows, projectPacing, type Pacing, type PacingRange } from '@pmd/domain';
import { kpiWindowSums } from './kpi-window.ts';

/** A campaign's pacing at an instant, in a zone: the domain's projection and the day and windows it was read over. */
export interface CampaignPacing extends Pacing {
  day: string;
  timeZone: string;
  asOf: Date;
}

/** Spend per campaign over one window, exact (kpiWindowSums), one query for every campaign asked for. */
async function spendByCampaign(
  pool: pg.Pool,
  range: PacingRange,
  timeZone: string,
  campaignIds: readonly string[],
): Promise<Map<string, number>> {
  // An empty window (at = local midnight) spent nothing; the window sum needs from < to.
  if (range.from >= range.to) return new Map();
  const rows = await kpiWindowSums(
    pool,
    { from: range.from, to: range.to, timeZone },
    { campaignIds },
    { campaign: true },
  );
  return new Map(rows.map((row) => [row.campaignId!, row.spend]));
}

/**
 * Pacing of several campaigns at `at` in `timeZone` (the pacing rule: @pmd/domain's `pacingWindows` and
 * `projectPacing`): each of the rule's windows is summed once for all of them, so a campaign list costs as many queries
 * as the rule has windows, not that many per campaign.
 */
export async function campaignsPacing(
  pool: pg.Pool,
  campaigns: readonly { campaignId: string; dailyBudget: number | null }[],
  at: Date,
  timeZone: string,
): Promise<Map<string, CampaignPacing>> {
  const windows = pacingWindows(at, timeZone);
  const ids = campaigns.map((campaign) => campaign.campaignId);
  const sum = (range: PacingRange) => spendByCampaign(pool, range, timeZone, ids);
  const [today, before, whole] = await Promise.all([
    sum(windows.today),
    Promise.all(windows.history.map((day) => sum(day.before))),
    Promise.all(windows.history.map((day) => sum(day.whole))),
  ]);
  const total = (maps: Map<string, number>[], id: string) => maps.reduce((acc, map) => acc + (map.get(id) ?? 0), 0);
  return new Map(
    campaigns.map((campaign) => {
      const id = campaign.campaignId;
      const pacing = projectPacing({
        spendToday: today.get(id) ?? 0,
        dailyBudget: campaign.dailyBudget,
        elapsedShare: windows.elapsedShare,
        historySpendBefore: total(before, id),
        historySpendTotal: total(whole, id),
      });
      return [id, { ...pacing, day: windows.day, timeZone, asOf: at }];
    }),
  );
}
