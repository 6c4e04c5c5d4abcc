/**
 * The rules every ingested event must pass, whatever door it came through (GraphQL or the REST shims). Pure: the
 * caller passes `now`, so the rules are testable without a clock or a database.
 */
import { UNPAIRED_SURROGATE } from './text-safety.ts';

// The event types and limits are the domain's (the registry, the dashboard and the generator share them).
import {
  EVENT_TYPES,
  MAX_BATCH_SIZE,
  MAX_CHANNEL_LENGTH,
  MAX_COST,
  MAX_FUTURE_SKEW_MS,
  MAX_ID_LENGTH,
  MAX_REVENUE,
  RETENTION_DAYS,
  acceptanceLimit,
  type AcceptanceLimit,
  type EventTypeName,
  type RetentionSettings,
} from '@pmd/domain';
export {
  EVENT_TYPES,
  MAX_BATCH_SIZE,
  MAX_CHANNEL_LENGTH,
  MAX_COST,
  MAX_FUTURE_SKEW_MS,
  MAX_ID_LENGTH,
  MAX_REVENUE,
  RETENTION_DAYS,
};
export type { EventTypeName };

/** One event that passed every rule, normalised for storage. */
export interface ValidEvent {
  eventId: string;
  /** UTC instant as ISO-8601 with microseconds (`2026-11-25T10:00:00.123456Z`): PostgreSQL keeps all six digits. */
  ts: string;
  userId: string;
  campaignId: string;
  channel: string;
  eventType: EventTypeName;
  /** Stored as NUMERIC(18,6): rounded to the micro-unit. */
  cost: number;
  /** Conversion value, stored like cost (NUMERIC(18,6), rounded to the micro-unit). */
  revenue: number;
}

export type EventField = 'event_id' | 'ts' | 'user_id' | 'campaign_id' | 'channel' | 'event_type' | 'cost' | 'revenue';

/** One broken rule, shaped like a FastAPI/Pydantic error item (`type` is Pydantic's error type where one exists). */
export interface EventFieldError {
  /** The field, or null when the event itself is not an object. */
  field: EventField | null;
  msg: string;
  type: string;
}

export type EventValidation = { ok: true; event: ValidEvent } | { ok: false; errors: EventFieldError[] };

/** The fields of one event as it arrives (the original's snake_case JSON; GraphQL inputs are mapped to it as is). */
export type EventCandidate = Partial<Record<EventField, unknown>>;

const ID_FIELDS = [
  ['event_id', MAX_ID_LENGTH],
  ['user_id', MAX_ID_LENGTH],
  ['campaign_id', MAX_ID_LENGTH],
  ['channel', MAX_CHANNEL_LENGTH],
] as const;

// C0/C1 control characters: PostgreSQL text cannot hold NUL, and the others only ever come from broken clients.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks one event against every rule at `now`; `retention` (the server's RAW_EVENTS_RETENTION_DAYS and
 * MINUTE_ROWS_RETENTION_DAYS) moves the oldest accepted instant forward from the fixed RETENTION_DAYS bound.
 */
export function validateEvent(input: unknown, now: Date, retention: RetentionSettings = {}): EventValidation {
  return eventValidator(now, retention)(input);
}

/**
 * `validateEvent` for a batch: the rules at `now` under `retention`, with the oldest accepted instant worked out once
 * rather than once per event.
 */
export function eventValidator(now: Date, retention: RetentionSettings = {}): (input: unknown) => EventValidation {
  const limit = acceptanceLimit(now, retention);
  return (input) => checkEvent(input, now, limit);
}

function checkEvent(input: unknown, now: Date, limit: AcceptanceLimit): EventValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [
        {
          field: null,
          msg: 'Input should be a valid dictionary or object to extract fields from',
          type: 'model_attributes_type',
        },
      ],
    };
  }
  const candidate = input as EventCandidate;
  const errors: EventFieldError[] = [];
  const ids: Partial<Record<(typeof ID_FIELDS)[number][0], string>> = {};
  for (const [field, maxLength] of ID_FIELDS) {
    const result = checkId(field, candidate[field], maxLength);
    if (typeof result === 'string') ids[field] = result;
    else errors.push(result);
  }
  const ts = checkTimestamp(candidate.ts, now, limit);
  if (typeof ts !== 'string') errors.push(ts);
  const eventType = checkEventType(candidate.event_type);
  if (typeof eventType !== 'string') errors.push(eventType);
  const cost = checkAmount('cost', candidate.cost, MAX_COST);
  if (typeof cost !== 'number') errors.push(cost);
  const revenue = checkAmount('revenue', candidate.revenue, MAX_REVENUE);
  if (typeof revenue !== 'number') errors.push(revenue);

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    event: {
      eventId: ids.event_id!,
      ts: ts as string,
      userId: ids.user_id!,
      campaignId: ids.campaign_id!,
      channel: ids.channel!,
      eventType: eventType as EventTypeName,
      cost: cost as number,
      revenue: revenue as number,
    },
  };
}

function checkId(field: EventField, value: unknown, maxLength: number): string | EventFieldError {
  if (value === undefined) return { field, msg: 'Field required', type: 'missing' };
  if (typeof value !== 'string') return { field, msg: 'Input should be a valid string', type: 'string_type' };
  if (UNPAIRED_SURROGATE.test(value))
    return { field, msg: 'String should be valid Unicode (lone surrogate)', type: 'string_unicode' };
  if (value.trim().length === 0) return { field, msg: 'String should not be empty or blank', type: 'string_too_short' };
  // value.length counts UTF-16 units, never fewer than characters: only a long string needs counting characters.
  if (value.length > maxLength && [...value].length > maxLength) {
    return { field, msg: `String should have at most ${maxLength} characters`, type: 'string_too_long' };
  }
  if (CONTROL_CHARACTERS.test(value)) {
    return { field, msg: 'String should not contain control characters', type: 'string_pattern_mismatch' };
  }
  return value;
}

function checkEventType(value: unknown): EventTypeName | EventFieldError {
  if (value === undefined) return { field: 'event_type', msg: 'Field required', type: 'missing' };
  if (typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value)) return value as EventTypeName;
  return {
    field: 'event_type',
    msg: "Input should be 'ad_impression', 'ad_click', 'signup' or 'activation'",
    type: 'literal_error',
  };
}

/**
 * The money fields, cost and revenue, follow one rule: a finite number in 0..max, stored rounded to 6 decimals.
 * Any event type may carry cost, and all of it is spend (`total_cost`): average CPC = spend / clicks, as the ad
 * platforms report it, so spend bought per impression (CPM) or per conversion (CPA) counts in CPC too. Any event type
 * may carry revenue too (usually activations). Absent is 0; null is refused, as the original's pydantic
 * `cost: float = 0.0` refuses None.
 */
function checkAmount(field: 'cost' | 'revenue', value: unknown, max: number): number | EventFieldError {
  if (value === undefined) return 0;
  if (typeof value !== 'number') return { field, msg: 'Input should be a valid number', type: 'float_type' };
  if (!Number.isFinite(value)) return { field, msg: 'Input should be a finite number', type: 'finite_number' };
  if (value < 0) return { field, msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' };
  if (value > max) return { field, msg: `Input should be less than or equal to ${max}`, type: 'less_than_equal' };
  return value;
}

// ISO-8601 / RFC 3339 date-time; seconds and fraction optional, offset optional (absent = UTC), `T` or space.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

function checkTimestamp(value: unknown, now: Date, limit: AcceptanceLimit): string | EventFieldError {
  if (value === undefined) return { field: 'ts', msg: 'Field required', type: 'missing' };
  // Text only, from both doors: a parsed Date would have lost the microseconds and the "no offset = UTC" reading.
  if (typeof value !== 'string')
    return { field: 'ts', msg: 'Input should be a valid datetime string', type: 'datetime_type' };
  const parsed = parseIsoDateTime(value);
  if (!parsed) {
    return {
      field: 'ts',
      msg: 'Input should be a valid ISO-8601 datetime, e.g. 2026-11-25T10:00:00.123456+00:00',
      type: 'datetime_parsing',
    };
  }
  const { epochMs, utcText } = parsed;
  if (epochMs > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return { field: 'ts', msg: 'Input should not be more than 5 minutes in the future', type: 'datetime_future' };
  }
  // Nothing older than what is kept: its raw events or minute rows may already be gone (domain/src/retention.ts).
  if (epochMs < limit.oldest.getTime()) {
    return {
      field: 'ts',
      msg: `Input should not be older than ${limit.oldest.toISOString().replace('.000Z', 'Z')}: ${limit.because}`,
      type: 'datetime_past',
    };
  }
  return utcText;
}

/** An instant read from an event's `ts`: epoch milliseconds, and the text stored (`2026-11-25T10:00:00.123456Z`). */
export interface ParsedInstant {
  epochMs: number;
  utcText: string;
}

/**
 * The instant `text` names, or null when it is no real instant. Sub-microsecond digits are dropped (PostgreSQL stores
 * microseconds).
 */
export function parseIsoDateTime(text: string): ParsedInstant | null {
  return parseCanonicalUtc(text) ?? parseIsoDateTimeByPattern(text);
}

/**
 * The forms nearly every event comes in, read by position: `2026-11-25T10:00:00.123` with 3 or 6 fraction digits,
 * then `Z` (JavaScript's toISOString; the stored form) or `+00:00` (Python's isoformat, as the original clients send).
 * The pattern's match costs a dozen strings per event, a sixth of what batch ingest allocated. Null means "not one of
 * these forms": the pattern decides then.
 */
function parseCanonicalUtc(text: string): ParsedInstant | null {
  const zone = text.endsWith('Z') ? 1 : text.endsWith('+00:00') ? 6 : 0;
  const fraction = text.length - zone - 20; // the digits after `YYYY-MM-DDTHH:MM:SS.`
  if (zone === 0 || (fraction !== 3 && fraction !== 6)) return null;
  for (const [at, code] of CANONICAL_SEPARATORS) if (text.charCodeAt(at) !== code) return null;
  // NaN for anything but digits, which fails every range check below.
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const h = digitsAt(text, 11, 2);
  const mi = digitsAt(text, 14, 2);
  const s = digitsAt(text, 17, 2);
  const ms = digitsAt(text, 20, 3);
  const inRange =
    y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59 && ms >= 0;
  if (!inRange || (fraction === 6 && !(digitsAt(text, 23, 3) >= 0))) return null;
  const utcText = fraction === 6 ? (zone === 1 ? text : `${text.slice(0, 26)}Z`) : `${text.slice(0, 23)}000Z`;
  return { epochMs: Date.UTC(y, mo - 1, d, h, mi, s, ms), utcText };
}

/** `-`, `-`, `T`, `:`, `:`, `.` at their places in `YYYY-MM-DDTHH:MM:SS.fff`. */
const CANONICAL_SEPARATORS: readonly (readonly [number, number])[] = [
  [4, 0x2d],
  [7, 0x2d],
  [10, 0x54],
  [13, 0x3a],
  [16, 0x3a],
  [19, 0x2e],
];

/** The number written by `count` decimal digits at `start`; NaN when one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Every form ISO_DATE_TIME admits (the general reading; parseIsoDateTime's own fast one gives the same results). */
export function parseIsoDateTimeByPattern(text: string): ParsedInstant | null {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zulu, sign, offsetHours, offsetMinutes = '0'] =
    match as unknown as string[];
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  let offsetMs = 0;
  if (!zulu && sign) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes);
    if (oh > 23 || om > 59) return null;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const digits = fraction.length === 6 ? fraction : fraction.padEnd(6, '0').slice(0, 6);
  // Date.UTC reads years 0..99 as 1900..1999; such instants are refused by the retention rule either way.
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s, Number(digits.slice(0, 3))) - offsetMs;
  // In UTC already (the usual case), the stored form is the text's own fields: no Date to format (but years 0..99,
  // which Date.UTC moved).
  const utcText =
    offsetMs === 0 && y >= 100
      ? `${year}-${month}-${day}T${hour}:${minute}:${second}.${digits}Z`
      : `${new Date(epochMs).toISOString().slice(0, -4)}${digits}Z`;
  return { epochMs, utcText };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}
