import type { CampaignIndexMetric } from './dashboard-metrics.ts';
import { statusLabel } from './health-status.ts';
import type { PacingStatus } from '@/gql/graphql.ts';

/** One campaign as the index lists it: null metrics and status when it has no data in the window. */
export interface CampaignIndexRow {
  campaignId: string;
  /** The catalog's name (its id until someone names it). */
  name: string;
  channels: readonly string[];
  /** The server's health status value (`HEALTHY`, `AT_RISK`, …), or null without data in the window. */
  status: string | null;
  statusReasons: readonly string[];
  /** Today's pacing against the daily budget; null before the catalog has been read. */
  pacing: {
    status: PacingStatus | null;
    projectedSpend: number;
    dailyBudget: number | null;
    budgetShare: number | null;
  } | null;
  metrics: Record<CampaignIndexMetric, number | null>;
}

/** `campaignId` is the campaign column (its name, with the id below). */
export type CampaignIndexColumn = 'campaignId' | 'channels' | 'status' | 'pacing' | CampaignIndexMetric;

/** Rows whose name or id contains the text, ignoring case and surrounding spaces; all rows for an empty text. */
export function searchCampaigns(rows: readonly CampaignIndexRow[], text: string): CampaignIndexRow[] {
  const needle = text.trim().toLowerCase();
  return needle
    ? rows.filter((row) => row.campaignId.toLowerCase().includes(needle) || row.name.toLowerCase().includes(needle))
    : [...rows];
}

function sortValue(row: CampaignIndexRow, key: CampaignIndexColumn): string | number | null {
  if (key === 'campaignId') return row.name;
  if (key === 'channels') return row.channels.join(', ');
  if (key === 'status') return row.status === null ? null : statusLabel(row.status);
  // Pacing sorts by how far the projection is from the budget (most overspent first descending).
  if (key === 'pacing') return row.pacing?.budgetShare ?? null;
  return row.metrics[key];
}

/** Missing values (no data, a rate without denominator) sort last both ways; ties keep campaign id order. */
export function sortCampaigns(
  rows: readonly CampaignIndexRow[],
  key: CampaignIndexColumn,
  descending: boolean,
): CampaignIndexRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else {
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (order !== 0) return sign * order;
    }
    return a.campaignId.localeCompare(b.campaignId);
  });
}
