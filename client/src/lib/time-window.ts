import { MAX_WINDOW_MINUTES } from '@pmd/domain';
/** The dashboard's window and filter, as kept in the URL query so that a view can be shared. */
export const QUICK_RANGES = [
  { key: '15m', label: '15 m', minutes: 15 },
  { key: '1h', label: '1 h', minutes: 60 },
  { key: '6h', label: '6 h', minutes: 360 },
  { key: '24h', label: '24 h', minutes: 1440 },
  { key: '7d', label: '7 d', minutes: 10_080 },
  { key: '30d', label: '30 d', minutes: 43_200 },
] as const;

export type QuickRangeKey = (typeof QUICK_RANGES)[number]['key'];
export const DEFAULT_RANGE: QuickRangeKey = '1h';
/** The API's limit (90 days), from the domain both sides share. */
export { MAX_WINDOW_MINUTES };

export type TimeWindowState =
  | { kind: 'quick'; range: QuickRangeKey; campaignIds: string[]; channels: string[] }
  | { kind: 'custom'; from: string; to: string; campaignIds: string[]; channels: string[] };

type QueryValue = string | null | (string | null)[] | undefined;

function all(value: QueryValue): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function first(value: QueryValue): string | undefined {
  return all(value)[0];
}

function isQuickRange(value: string | undefined): value is QuickRangeKey {
  return QUICK_RANGES.some((range) => range.key === value);
}

/** Reads `?range=6h` or `?from=…&to=…`, plus repeated `campaign=` and `channel=`; anything invalid falls back to 1 h. */
export function parseTimeWindowQuery(query: Record<string, QueryValue>): TimeWindowState {
  const campaignIds = all(query.campaign);
  const channels = all(query.channel);
  const from = first(query.from);
  const to = first(query.to);
  if (from && to) {
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    if (
      Number.isFinite(fromMs) &&
      Number.isFinite(toMs) &&
      fromMs < toMs &&
      toMs - fromMs <= MAX_WINDOW_MINUTES * 60_000
    ) {
      return {
        kind: 'custom',
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        campaignIds,
        channels,
      };
    }
  }
  const range = first(query.range);
  return { kind: 'quick', range: isQuickRange(range) ? range : DEFAULT_RANGE, campaignIds, channels };
}

export function toTimeWindowQuery(state: TimeWindowState): Record<string, string | string[]> {
  const query: Record<string, string | string[]> =
    state.kind === 'quick' ? { range: state.range } : { from: state.from, to: state.to };
  if (state.campaignIds.length) query.campaign = state.campaignIds;
  if (state.channels.length) query.channel = state.channels;
  return query;
}

export function windowMinutes(state: TimeWindowState): number {
  if (state.kind === 'custom') return (Date.parse(state.to) - Date.parse(state.from)) / 60_000;
  return QUICK_RANGES.find((range) => range.key === state.range)!.minutes;
}

/** The GraphQL `WindowInput`. */
export function toWindowInput(state: TimeWindowState): { lastMinutes: number } | { from: string; to: string } {
  return state.kind === 'quick' ? { lastMinutes: windowMinutes(state) } : { from: state.from, to: state.to };
}

/** The GraphQL `KpiFilter`, or null when nothing is filtered. */
export function toKpiFilter(state: TimeWindowState): { campaignIds?: string[]; channels?: string[] } | null {
  if (!state.campaignIds.length && !state.channels.length) return null;
  return {
    ...(state.campaignIds.length ? { campaignIds: state.campaignIds } : {}),
    ...(state.channels.length ? { channels: state.channels } : {}),
  };
}

/** A trend chart of a few dozen to a few hundred points whatever the window. */
export function granularityFor(minutes: number): 'MINUTE' | 'HOUR' | 'DAY' {
  if (minutes <= 360) return 'MINUTE';
  if (minutes <= 14 * 1440) return 'HOUR';
  return 'DAY';
}

export function describeWindow(state: TimeWindowState): string {
  if (state.kind === 'quick') return `last ${QUICK_RANGES.find((range) => range.key === state.range)!.label}`;
  return `${state.from.slice(0, 16).replace('T', ' ')} → ${state.to.slice(0, 16).replace('T', ' ')} UTC`;
}
