import {
  instantOfLocal,
  localDateTime,
  MAX_WINDOW_MINUTES,
  METRIC_BY_ENUM_NAME,
  type ChangeDirection,
  type ChangeUnit,
  type MetricChange,
  type MetricEnumName,
} from '@pmd/domain';

/**
 * What the KPI cards compare with, kept in the URL beside the window (`?compare=lastWeek`, or
 * `?compare=custom&compareFrom=…&compareTo=…` in ISO UTC) so a shared view compares the same way.
 */
export const COMPARISON_OPTIONS = [
  { key: 'previous', label: 'Previous period', kind: 'PREVIOUS_PERIOD' },
  { key: 'lastWeek', label: 'Same period last week', kind: 'SAME_PERIOD_LAST_WEEK' },
  { key: 'custom', label: 'Custom range…', kind: 'CUSTOM' },
] as const;

export type ComparisonKey = (typeof COMPARISON_OPTIONS)[number]['key'];
export type ComparisonKind = (typeof COMPARISON_OPTIONS)[number]['kind'];

export type ComparisonState =
  { kind: 'previous' } | { kind: 'lastWeek' } | { kind: 'custom'; from: string; to: string };

/** The URL keys this module owns; the window's own writes keep them (`comparisonQuery`). */
export const COMPARISON_QUERY_KEYS = ['compare', 'compareFrom', 'compareTo'] as const;

type QueryValue = string | null | (string | null)[] | undefined;

function first(value: QueryValue): string | undefined {
  const values = Array.isArray(value) ? value : [value];
  return values.find((v): v is string => typeof v === 'string' && v.length > 0);
}

/** The API's rule for a range (1 minute to 90 days), checked before the URL or the API sees it. */
export function rangeProblem(fromMs: number, toMs: number): string | null {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return 'Enter both start and end.';
  if (toMs - fromMs < 60_000) return 'The start must be before the end.';
  if (toMs - fromMs > MAX_WINDOW_MINUTES * 60_000) return 'A range can span at most 90 days.';
  return null;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as a datetime-local value (`YYYY-MM-DDTHH:mm`) of the reporting zone. */
export function toLocalInput(ms: number, timeZone: string): string {
  const local = localDateTime(new Date(ms), timeZone);
  return `${local.year}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}`;
}

/** A datetime-local value read in the reporting zone (a time skipped by DST moves forward); NaN when incomplete. */
export function fromLocalInput(value: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return Number.NaN;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  return instantOfLocal({ year, month, day, hour, minute }, timeZone).getTime();
}

/** Reads `?compare=…`; anything unknown or an invalid custom range falls back to the previous period. */
export function parseComparisonQuery(query: Record<string, QueryValue>): ComparisonState {
  const kind = first(query.compare);
  if (kind === 'lastWeek') return { kind };
  if (kind === 'custom') {
    const fromMs = Date.parse(first(query.compareFrom) ?? '');
    const toMs = Date.parse(first(query.compareTo) ?? '');
    if (rangeProblem(fromMs, toMs) === null) {
      return { kind, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
    }
  }
  return { kind: 'previous' };
}

/** The URL keys of a comparison; none for the default, so plain URLs stay plain. */
export function toComparisonQuery(state: ComparisonState): Record<string, string> {
  if (state.kind === 'previous') return {};
  if (state.kind === 'lastWeek') return { compare: 'lastWeek' };
  return { compare: 'custom', compareFrom: state.from, compareTo: state.to };
}

/** Only this module's keys of a query (what another writer of the URL keeps). */
export function comparisonQuery(query: Record<string, QueryValue>): Record<string, QueryValue> {
  return Object.fromEntries(COMPARISON_QUERY_KEYS.filter((key) => key in query).map((key) => [key, query[key]]));
}

/** The GraphQL `ComparisonInput`. */
export function toComparisonInput(
  state: ComparisonState,
): { kind: ComparisonKind } | { kind: 'CUSTOM'; from: string; to: string } {
  if (state.kind === 'custom') return { kind: 'CUSTOM', from: state.from, to: state.to };
  return { kind: state.kind === 'lastWeek' ? 'SAME_PERIOD_LAST_WEEK' : 'PREVIOUS_PERIOD' };
}

function duration(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${Math.round(minutes)} min`;
}

function dayMonth(date: Date, timeZone: string, withMonth: boolean): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    ...(withMonth ? { month: 'short' } : {}),
    timeZone,
  }).format(date);
}

/**
 * What the cards' changes are against, for people: "vs previous 1 h", "vs same time last week", "vs 1–7 Mar" (days of
 * the window's zone; the range's end is exclusive, so 1 Mar 00:00 → 8 Mar 00:00 is 1–7 Mar), or with times when the
 * range does not cover whole local days.
 */
export function comparisonLabel(
  kind: ComparisonKind,
  window: { from: string; to: string; minutes: number; timeZone: string },
): string {
  if (kind === 'PREVIOUS_PERIOD') return `vs previous ${duration(window.minutes)}`;
  if (kind === 'SAME_PERIOD_LAST_WEEK') return 'vs same time last week';
  const from = new Date(window.from);
  const last = new Date(Date.parse(window.to) - 1);
  const timeOf = (date: Date) =>
    new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: window.timeZone }).format(date);
  const wholeDays = timeOf(from) === '00:00' && timeOf(new Date(window.to)) === '00:00';
  if (!wholeDays) {
    const end = new Date(window.to);
    return `vs ${dayMonth(from, window.timeZone, true)} ${timeOf(from)} – ${dayMonth(end, window.timeZone, true)} ${timeOf(end)}`;
  }
  const sameMonth =
    new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: window.timeZone }).format(from) ===
    new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: window.timeZone }).format(last);
  const lastDay = dayMonth(last, window.timeZone, true);
  if (dayMonth(from, window.timeZone, true) === lastDay) return `vs ${lastDay}`;
  return `vs ${dayMonth(from, window.timeZone, !sameMonth)}–${lastDay}`;
}

/** A `KpiDelta` of the API as the domain's `MetricChange` (enum names back to registry names). */
export function fromKpiDelta(delta: {
  metric: MetricEnumName;
  current?: number | null;
  previous?: number | null;
  absolute: number | null;
  relative: number | null;
  unit: 'PERCENTAGE_POINTS' | 'PERCENT';
  direction: 'UP' | 'DOWN' | 'FLAT' | null;
  good: boolean | null;
}): MetricChange {
  return {
    metric: METRIC_BY_ENUM_NAME[delta.metric],
    current: delta.current ?? null,
    previous: delta.previous ?? null,
    absolute: delta.absolute,
    relative: delta.relative,
    unit: (delta.unit === 'PERCENTAGE_POINTS' ? 'percentagePoints' : 'percent') satisfies ChangeUnit,
    direction: (delta.direction?.toLowerCase() ?? null) as ChangeDirection | null,
    good: delta.good,
  };
}
