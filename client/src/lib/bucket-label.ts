import { localDateTime } from '@pmd/domain';

export type BucketGrain = 'MINUTE' | 'HOUR' | 'DAY';

const pad = (value: number) => String(value).padStart(2, '0');

/**
 * A bucket's start as its local date or time in the zone the server counted it in (the series' `window.timeZone`),
 * so "2026-12-01" is the Kolkata day, not the UTC day that started 5½ hours earlier.
 */
export function bucketLabel(iso: string, grain: BucketGrain, timeZone: string): string {
  const local = localDateTime(new Date(iso), timeZone);
  const date = `${local.year}-${pad(local.month)}-${pad(local.day)}`;
  if (grain === 'DAY') return date;
  const time = `${pad(local.hour)}:${pad(local.minute)}`;
  return grain === 'HOUR' ? `${date} ${time}` : time;
}
