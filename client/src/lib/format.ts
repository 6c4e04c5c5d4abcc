import { formatMetricValue, utcOffsetMs, type MetricFormat } from '@pmd/domain';
import { effectiveTimeZone } from './reporting-zone.ts';

const changeFormat = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'never',
});

/** The registry's formats: a metric's comes from `metricView(name).format`, not from a list kept here. */
export type ValueFormat = MetricFormat;

/** A metric value for people; null (a cost per unit with no units) shows as an em dash, never as $0. */
export const formatValue: (value: number | null | undefined, format: ValueFormat) => string = formatMetricValue;

export type ChangeDirection = 'up' | 'down' | 'flat' | 'none';

/** Direction of a relative change; `none` when there was nothing to compare with (previous window empty). */
export function changeDirection(change: number | null | undefined): ChangeDirection {
  if (change === null || change === undefined || !Number.isFinite(change)) return 'none';
  if (Math.abs(change) < 0.0005) return 'flat';
  return change > 0 ? 'up' : 'down';
}

/** "12.3%" (unsigned: the arrow carries the sign), or "n/a" without a previous value. */
export function formatChange(change: number | null | undefined): string {
  const direction = changeDirection(change);
  if (direction === 'none') return 'n/a';
  if (direction === 'flat') return '0.0%';
  return changeFormat.format(change as number);
}

/** Whether a change is good news: more clicks is good, a higher CPC is not, more spend is neither (null). */
export function changeTone(direction: ChangeDirection, higherIsBetter: boolean | null): 'good' | 'bad' | 'neutral' {
  if (higherIsBetter === null) return 'neutral';
  if (direction === 'up') return higherIsBetter ? 'good' : 'bad';
  if (direction === 'down') return higherIsBetter ? 'bad' : 'good';
  return 'neutral';
}

/** "5s ago", "3m ago", "2h ago" for the live indicator. */
export function formatAgo(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  return `${Math.floor(seconds / 3600)}h ago`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string): Intl.DateTimeFormat {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone });
    timeFormats.set(timeZone, format);
  }
  return format;
}

/** A timestamp in the reporting zone (the one buckets and "today" use), with the zone named. */
export function formatTimestamp(iso: string | null | undefined, timeZone: string = effectiveTimeZone()): string {
  if (!iso) return '—';
  return `${timeFormat(timeZone).format(new Date(iso))} ${timeZoneLabel(timeZone, new Date(iso))}`;
}

/** `UTC`, or the zone's name with its offset at that instant: `Asia/Kolkata (UTC+05:30)`. */
export function timeZoneLabel(timeZone: string, at: Date = new Date()): string {
  if (timeZone === 'UTC') return 'UTC';
  const offset = utcOffsetMs(at, timeZone) / 60_000;
  const sign = offset < 0 ? '−' : '+';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${timeZone} (UTC${sign}${hours}:${minutes})`;
}

const bucketFormats = new Map<string, Intl.DateTimeFormat>();

/** A bucket's start as a chart or table label in the reporting zone: `14:30` for minutes and hours, `25 Nov` for days. */
export function formatBucket(
  iso: string,
  granularity: 'MINUTE' | 'HOUR' | 'DAY',
  timeZone: string = effectiveTimeZone(),
): string {
  const key = `${granularity}|${timeZone}`;
  let format = bucketFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(
      'en-GB',
      granularity === 'DAY'
        ? { day: 'numeric', month: 'short', timeZone }
        : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone },
    );
    bucketFormats.set(key, format);
  }
  return format.format(new Date(iso));
}
