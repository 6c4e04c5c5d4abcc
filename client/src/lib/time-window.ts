import { MAX_WINDOW_MINUTES } from '@pmd/domain';
import type { CalendarPeriod } from '@/gql/graphql.ts';
/** The dashboard's window and filter, as kept in the URL query so that a view can be shared. */
export const QUICK_RANGES = [
  { key: '15m', label: '15 m', minutes: 15 },
  { key: '1h', label: '1 h', minutes: 60 },
  { key: '6h', label: '6 h', minutes: 360 },
  { key: '24h', label: '24 h', minutes: 1440 },
  { key: '7d', label: '7 d', minutes: 10_080 },
  { key: '30d', label: '30 d', minutes: 43_200 },
  // Calendar days of the reporting zone; `minutes` only sizes the trend's buckets.
  { key: 'today', label: 'Today', minutes: 1440, period: 'TODAY' },
  { key: 'yesterday', label: 'Yesterday', minutes: 1440, period: 'YESTERDAY' },
] as const satisfies readonly { key: string; label: string; minutes: number; period?: CalendarPeriod }[];

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

/** The GraphQL `WindowInput`, in `timeZone` when given (else the server's reporting zone). */
export function toWindowInput(
  state: TimeWindowState,
  timeZone?: string | null,
): { lastMinutes?: number; period?: CalendarPeriod; from?: string; to?: string; timeZone?: string } {
  const zone = timeZone ? { timeZone } : {};
  if (state.kind === 'custom') return { from: state.from, to: state.to, ...zone };
  const range = QUICK_RANGES.find((r) => r.key === state.range)!;
  return 'period' in range ? { period: range.period, ...zone } : { lastMinutes: range.minutes, ...zone };
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

const rangeFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-25 15:30` in a zone (the custom range's ends as the user reads them). */
export function formatLocalMinute(iso: string, timeZone: string): string {
  let format = rangeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short', timeStyle: 'short', timeZone });
    rangeFormats.set(timeZone, format);
  }
  return format.format(new Date(iso));
}

export function describeWindow(state: TimeWindowState, timeZone: string): string {
  if (state.kind === 'quick') {
    const range = QUICK_RANGES.find((r) => r.key === state.range)!;
    return 'period' in range ? `${range.label} (${timeZone})` : `last ${range.label}`;
  }
  return `${formatLocalMinute(state.from, timeZone)} → ${formatLocalMinute(state.to, timeZone)} (${timeZone})`;
}
