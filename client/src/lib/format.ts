import { formatMetricValue, utcOffsetMs, type MetricFormat } from '@pmd/domain';
import { effectiveTimeZone } from './reporting-zone.ts';

/** The registry's formats: a metric's comes from `metricView(name).format`, not from a list kept here. */
export type ValueFormat = MetricFormat;

/** A metric value for people; null (a cost per unit with no units) shows as an em dash, never as $0. */
export const formatValue: (value: number | null | undefined, format: ValueFormat) => string = formatMetricValue;

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

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The time of day of an instant in the reporting zone, `HH:MM` (24 h), for times near now ("fires at 14:35"). */
export function formatClock(iso: string, timeZone: string = effectiveTimeZone()): string {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
    clockFormats.set(timeZone, format);
  }
  return format.format(new Date(iso));
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
