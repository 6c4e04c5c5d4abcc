import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '@pmd/domain';
import { reactive } from 'vue';

/**
 * The reporting time zone of this browser's views: the user's own choice (saved in localStorage) wins over the
 * server's REPORTING_TIME_ZONE, which the dashboard learns from `reportingSettings`. Buckets, "today" and every shown
 * time follow it; one reactive state, so formatting anywhere re-renders when it changes.
 */
const STORAGE_KEY = 'pmd.timeZone';

type ZoneStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function browserStorage(): ZoneStorage | undefined {
  return typeof localStorage === 'undefined' ? undefined : localStorage;
}

function savedZone(storage: ZoneStorage | undefined): string | null {
  const saved = storage?.getItem(STORAGE_KEY);
  return saved ? canonicalTimeZone(saved) : null;
}

export const reportingZone = reactive<{ override: string | null; serverDefault: string | null }>({
  override: savedZone(browserStorage()),
  serverDefault: null,
});

/** The zone views are computed and shown in. */
export function effectiveTimeZone(): string {
  return reportingZone.override ?? reportingZone.serverDefault ?? DEFAULT_TIME_ZONE;
}

/** The user's choice, or null to follow the server's default; an invalid name is ignored. */
export function setTimeZoneOverride(zone: string | null, storage: ZoneStorage | undefined = browserStorage()): void {
  const canonical = zone === null ? null : canonicalTimeZone(zone);
  reportingZone.override = canonical;
  if (canonical) storage?.setItem(STORAGE_KEY, canonical);
  else storage?.removeItem(STORAGE_KEY);
}

/** The browser's own zone, offered as a choice. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Zones offered in the picker besides the browser's and the server's (any IANA name can be typed). */
export const COMMON_TIME_ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Africa/Lagos',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
] as const;
