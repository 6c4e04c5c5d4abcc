/**
 * Reporting time zones (IANA names) without a library: offsets come from the platform's Intl (ICU's tz database in
 * Node and in browsers), bucket boundaries from those offsets. The server, the dashboard and the tests share this, so a
 * "day" or an "hour" in Asia/Kolkata or Australia/Lord_Howe means the same instants everywhere.
 */

/** The zone reports use when nobody chose one (the original system's only zone). */
export const DEFAULT_TIME_ZONE = 'UTC';
/** Longest zone name accepted (the longest IANA name is 32 characters). */
export const MAX_TIME_ZONE_LENGTH = 64;

const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/**
 * The zone as the platform spells it when only the case differs (`utc` → `UTC`, `asia/tokyo` → `Asia/Tokyo`), else
 * as given (ICU calls Asia/Kolkata by its old name Asia/Calcutta; users and PostgreSQL know both); null when it is
 * not an IANA zone.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  if (timeZone.length > MAX_TIME_ZONE_LENGTH || !ZONE_SHAPE.test(timeZone)) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
  } catch {
    return null;
  }
}

/** Local wall-clock fields of an instant in a zone. */
export interface LocalDateTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year!,
    month: fields.month!,
    day: fields.day!,
    hour: fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
  };
}

/** Milliseconds of a UTC wall-clock time; unlike Date.UTC, years 0–99 are themselves, not 1900–1999. */
function utcWall(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (Asia/Kolkata: +19,800,000). */
export function utcOffsetMs(instant: Date, timeZone: string): number {
  const local = localDateTime(instant, timeZone);
  const wall = utcWall(local.year, local.month, local.day, local.hour, local.minute, local.second);
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant a local wall-clock time names. A time that exists twice (fall-back) maps to its first occurrence; one
 * that does not exist (skipped by spring-forward) moves forward by the gap, as Temporal's 'compatible' does.
 */
export function instantOfLocal(local: Omit<LocalDateTime, 'second'> & { second?: number }, timeZone: string): Date {
  const wall = utcWall(local.year, local.month, local.day, local.hour, local.minute, local.second ?? 0);
  // Offsets differ by at most a day; try the offsets around the guess and keep the earliest that round-trips.
  const candidates = new Set<number>();
  for (const probe of [wall - DAY_MS, wall, wall + DAY_MS]) candidates.add(utcOffsetMs(new Date(probe), timeZone));
  const exact = [...candidates]
    .map((offset) => wall - offset)
    .filter((at) => utcOffsetMs(new Date(at), timeZone) === wall - at)
    .sort((a, b) => a - b);
  if (exact.length) return new Date(exact[0]!);
  // Skipped by a DST change: read with the offset before the gap, which lands the length of the gap later.
  const before = wall - Math.max(...candidates);
  const after = wall - Math.min(...candidates);
  return new Date(Math.max(before, after));
}

/** The grains a report can bucket by. */
export type BucketGrain = 'minute' | 'hour' | 'day';

const GRAIN_MS: Record<BucketGrain, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** Instants in [from, to] where the zone's offset changes, found by sampling every 6 hours and bisecting. */
function offsetChanges(from: number, to: number, timeZone: string): { at: number; before: number; after: number }[] {
  const changes: { at: number; before: number; after: number }[] = [];
  const step = 6 * HOUR_MS;
  let previous = from;
  let previousOffset = utcOffsetMs(new Date(from), timeZone);
  for (let probe = Math.min(from + step, to); ; probe = Math.min(probe + step, to)) {
    const offset = utcOffsetMs(new Date(probe), timeZone);
    if (offset !== previousOffset) {
      // Transitions happen on whole minutes: bisect to the first minute with the new offset.
      let low = previous;
      let high = probe;
      while (high - low > MINUTE_MS) {
        const middle = low + Math.max(MINUTE_MS, Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS);
        if (utcOffsetMs(new Date(middle), timeZone) === previousOffset) low = middle;
        else high = middle;
      }
      changes.push({ at: high, before: previousOffset, after: offset });
    }
    previous = probe;
    previousOffset = offset;
    if (probe >= to) break;
  }
  return changes;
}

/**
 * Bucket boundaries of a grain in a zone covering [from, to): sorted instants b0 ≤ from < b1 < … < bn ≥ to, each
 * where the local bucket changes. A bucket is a local clock hour or day: days of 23 or 25 hours at DST changes, the
 * repeated hour of a fall-back change its own bucket, and in zones whose DST shift is 30 minutes (Lord Howe) the hour
 * around the change 30 or 90 minutes long.
 */
export function bucketBoundaries(from: Date, to: Date, grain: BucketGrain, timeZone: string): Date[] {
  const unit = GRAIN_MS[grain];
  // Buckets are at most 25 hours (or 90 minutes): reach far enough either side to find the enclosing boundaries.
  const start = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS - unit - 2 * HOUR_MS;
  const end = to.getTime() + unit + 2 * HOUR_MS;
  const changes = offsetChanges(start, end, timeZone);
  const all: number[] = [];
  let segmentStart = start;
  let offset = utcOffsetMs(new Date(start), timeZone);
  for (const segment of [...changes, { at: end, before: offset, after: offset }]) {
    // Local wall time is t + offset inside a segment: a boundary wherever it is a multiple of the unit.
    for (let t = Math.ceil((segmentStart + offset) / unit) * unit - offset; t < segment.at; t += unit) all.push(t);
    if (segment.at >= end) break;
    // At a change: a boundary when the local hour (day) differs from the one just before.
    const keyBefore = Math.floor((segment.at - 1 + segment.before) / unit);
    const keyAfter = Math.floor((segment.at + segment.after) / unit);
    if (keyBefore !== keyAfter && (segment.at + segment.after) % unit !== 0) all.push(segment.at);
    segmentStart = segment.at;
    offset = segment.after;
  }
  const firstIndex = all.findLastIndex((t) => t <= from.getTime());
  const lastIndex = all.findIndex((t) => t >= to.getTime());
  return all.slice(Math.max(firstIndex, 0), lastIndex === -1 ? undefined : lastIndex + 1).map((t) => new Date(t));
}

/** Start of the local day containing `instant`. */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  const [first] = bucketBoundaries(instant, new Date(instant.getTime() + 1), 'day', timeZone);
  return first!;
}

/** The same local wall-clock time `days` local days later (earlier when negative), milliseconds kept; DST-aware. */
export function addLocalDays(instant: Date, days: number, timeZone: string): Date {
  const local = localDateTime(instant, timeZone);
  const shifted = new Date(utcWall(local.year, local.month, local.day + days, 0, 0, 0));
  const milliseconds = ((instant.getTime() % 1000) + 1000) % 1000;
  const moved = instantOfLocal(
    {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: local.hour,
      minute: local.minute,
      second: local.second,
    },
    timeZone,
  );
  return new Date(moved.getTime() + milliseconds);
}
