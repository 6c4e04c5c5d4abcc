import {
  addLocalDays,
  instantOfLocal,
  localDateTime,
  MAX_CHANNEL_LENGTH,
  MAX_ID_LENGTH,
  MAX_IMPORTED_SPEND,
  MAX_SPEND_IMPORT_ROWS,
} from '@pmd/domain';
import { InvalidArgumentError, UploadTooLargeError } from './errors.ts';
import { textProblem } from './text-safety.ts';

/**
 * Reading a spend upload, pure: CSV text or JSON rows → rows to store, and every refused row with its line, field and
 * reason. The one parser behind GraphQL `importSpend` and REST `POST /spend`.
 */

/** One row as sent: JSON (or GraphQL) field names; a CSV row is read into the same shape. */
export interface SpendRowCandidate {
  date?: unknown;
  hour?: unknown;
  campaignId?: unknown;
  channel?: unknown;
  spend?: unknown;
  impressions?: unknown;
  clicks?: unknown;
}

/** A row to store: one local hour or day of `timeZone`, as the instants it starts and ends at. */
export interface SpendRow {
  line: number;
  campaignId: string;
  channel: string;
  granularity: 'hour' | 'day';
  periodStart: Date;
  periodEnd: Date;
  /** Decimal text as sent (at most 6 decimals), so the database stores exactly what the platform reported. */
  spend: string;
  impressions: number | null;
  clicks: number | null;
}

/** A refused row: its 1-based data line (CSV, after the header) or index + 1 (JSON), the field, and why. */
export interface SpendRowError {
  line: number;
  field: string | null;
  reason: string;
}

/** The CSV columns (header names) and the JSON field each one fills. */
const CSV_COLUMNS = {
  date: 'date',
  hour: 'hour',
  campaign_id: 'campaignId',
  channel: 'channel',
  spend: 'spend',
  impressions: 'impressions',
  clicks: 'clicks',
} as const satisfies Record<string, keyof SpendRowCandidate>;
type CsvColumn = keyof typeof CSV_COLUMNS;
const REQUIRED_CSV_COLUMNS: CsvColumn[] = ['campaign_id', 'channel', 'spend'];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00$/;
/** A plain decimal with at most 6 decimals (no exponent, sign or separators): what the column stores exactly. */
const AMOUNT = /^\d{1,10}(\.\d{1,6})?$/;

/** RFC 4180 records of `text` (quoted fields, "" escapes, CRLF or LF); blank lines are skipped. */
export function csvRecords(text: string): { line: number; fields: string[] }[] | { error: string } {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0]!.trim() !== '' || fieldStarted) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
      continue;
    }
    if (char === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += char;
  }
  if (quoted) return { error: `a quoted field opened on line ${recordLine} is never closed` };
  if (field !== '' || fields.length || fieldStarted) endRecord();
  return records;
}

/**
 * CSV text → row candidates, each with its 1-based data line. The header names the columns
 * (`date|hour,campaign_id,channel,spend[,impressions][,clicks]`, any order); a header that is unusable refuses the
 * whole upload (InvalidArgumentError), a bad row only itself.
 */
export function candidatesOfCsv(csv: string): { line: number; candidate: SpendRowCandidate; error?: SpendRowError }[] {
  const parsed = csvRecords(csv.replace(/^\uFEFF/, ''));
  if ('error' in parsed) throw new InvalidArgumentError(`The CSV cannot be read: ${parsed.error}.`, 'csv');
  const [header, ...data] = parsed;
  if (!header) throw new InvalidArgumentError('The CSV is empty: it needs a header and data lines.', 'csv');
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(name in CSV_COLUMNS));
  const missing = REQUIRED_CSV_COLUMNS.filter((name) => !names.includes(name));
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (unknown.length || missing.length || repeated.length || names.includes('date') === names.includes('hour')) {
    throw new InvalidArgumentError(
      `The CSV header must be date|hour,campaign_id,channel,spend[,impressions][,clicks] (exactly one of date and hour); got ${JSON.stringify(header.fields.join(',').slice(0, 200))}.`,
      'csv',
    );
  }
  checkRowCount(data.length);
  return data.map((record, index) => {
    const line = index + 1;
    if (record.fields.length !== names.length) {
      return {
        line,
        candidate: {},
        error: { line, field: null, reason: `expected ${names.length} fields, got ${record.fields.length}` },
      };
    }
    const candidate: Record<string, string | undefined> = {};
    names.forEach((name, column) => {
      const value = record.fields[column]!.trim();
      // An empty optional cell is absent, as a JSON row without the field.
      candidate[CSV_COLUMNS[name as CsvColumn]] = value === '' ? undefined : value;
    });
    return { line, candidate };
  });
}

export function checkRowCount(rows: number): void {
  if (rows > MAX_SPEND_IMPORT_ROWS) {
    throw new UploadTooLargeError(
      `An upload holds at most ${MAX_SPEND_IMPORT_ROWS} rows; this one has ${rows}. Nothing was stored.`,
      'rows',
    );
  }
}

class RowRefused extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

function text(candidate: SpendRowCandidate, field: 'campaignId' | 'channel', maxLength: number): string {
  const value = candidate[field];
  if (typeof value !== 'string' || value.length === 0) throw new RowRefused(field, `${field} is required`);
  if (value.length > maxLength) throw new RowRefused(field, `${field} is longer than ${maxLength} characters`);
  const problem = textProblem(value);
  if (problem) throw new RowRefused(field, problem);
  return value;
}

/** spend as exact decimal text: finite, 0..MAX_IMPORTED_SPEND, at most 6 decimals. */
function amount(value: unknown): string {
  const raw = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'x') : value;
  if (raw === undefined || raw === null || raw === '') throw new RowRefused('spend', 'spend is required');
  if (typeof raw !== 'string' || !AMOUNT.test(raw) || Number(raw) > MAX_IMPORTED_SPEND) {
    throw new RowRefused(
      'spend',
      `spend must be a number from 0 to ${MAX_IMPORTED_SPEND} with at most 6 decimals; got ${JSON.stringify(String(raw).slice(0, 40))}`,
    );
  }
  return raw;
}

function count(value: unknown, field: 'impressions' | 'clicks'): number | null {
  if (value === undefined || value === null) return null;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw new RowRefused(field, `${field} must be a whole number ≥ 0 or empty`);
  }
  return number;
}

/**
 * The local day or hour of `timeZone` a row names → its period. A local hour a DST change skips is refused; the hour a
 * fall-back change repeats reads as its first occurrence (a local hour alone cannot name the second).
 */
function period(
  candidate: SpendRowCandidate,
  timeZone: string,
): Pick<SpendRow, 'granularity' | 'periodStart' | 'periodEnd'> {
  const hasDate = candidate.date !== undefined && candidate.date !== null;
  const hasHour = candidate.hour !== undefined && candidate.hour !== null;
  if (hasDate === hasHour) throw new RowRefused(hasDate ? 'hour' : 'date', 'exactly one of date and hour is required');
  const field = hasDate ? 'date' : 'hour';
  const value = candidate[field];
  const match = typeof value === 'string' ? (hasDate ? DATE : HOUR).exec(value) : null;
  const shape = hasDate ? 'YYYY-MM-DD' : 'YYYY-MM-DDTHH:00';
  const [year, month, day, hour] = (match?.slice(1) ?? []).map(Number);
  const valid =
    match &&
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= new Date(Date.UTC(year!, month!, 0)).getUTCDate() &&
    (hasDate || hour! <= 23);
  if (!valid) throw new RowRefused(field, `${field} must be a local ${hasDate ? 'date' : 'hour'}, ${shape}`);
  const local = { year: year!, month: month!, day: day!, hour: hasDate ? 0 : hour!, minute: 0 };
  const start = instantOfLocal(local, timeZone);
  if (hasDate) return { granularity: 'day', periodStart: start, periodEnd: addLocalDays(start, 1, timeZone) };
  const back = localDateTime(start, timeZone);
  if (back.day !== local.day || back.hour !== local.hour) {
    throw new RowRefused(
      'hour',
      `${value as string} does not exist in ${timeZone} (skipped by a daylight-saving change)`,
    );
  }
  return { granularity: 'hour', periodStart: start, periodEnd: new Date(start.getTime() + 3_600_000) };
}

/**
 * Every candidate checked on its own: the rows to store, and the refused ones by line. Two rows of one campaign and
 * channel whose periods overlap (the same hour twice, or a day and one of its hours) refuse the later line: which
 * value is meant cannot be known, and stored periods never overlap.
 */
export function checkSpendRows(
  candidates: readonly { line: number; candidate: SpendRowCandidate; error?: SpendRowError }[],
  timeZone: string,
): { rows: SpendRow[]; errors: SpendRowError[] } {
  const rows: SpendRow[] = [];
  const errors: SpendRowError[] = [];
  const seen = new Map<string, SpendRow[]>();
  for (const { line, candidate, error } of candidates) {
    if (error) {
      errors.push(error);
      continue;
    }
    try {
      if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) {
        throw new RowRefused(null, 'a row must be an object');
      }
      const row: SpendRow = {
        line,
        campaignId: text(candidate, 'campaignId', MAX_ID_LENGTH),
        channel: text(candidate, 'channel', MAX_CHANNEL_LENGTH),
        ...period(candidate, timeZone),
        spend: amount(candidate.spend),
        impressions: count(candidate.impressions, 'impressions'),
        clicks: count(candidate.clicks, 'clicks'),
      };
      const key = JSON.stringify([row.campaignId, row.channel]);
      const periods = seen.get(key) ?? [];
      const earlier = overlapping(periods, row);
      if (earlier !== undefined) {
        throw new RowRefused(row.granularity === 'day' ? 'date' : 'hour', `overlaps the period of line ${earlier}`);
      }
      seen.set(key, periods);
      rows.push(row);
    } catch (refused) {
      if (!(refused instanceof RowRefused)) throw refused;
      errors.push({ line, field: refused.field, reason: refused.message });
    }
  }
  return { rows, errors };
}

/**
 * The line of an accepted row of the same key whose period overlaps `row`'s, else undefined; `periods` is kept sorted
 * by start (the row is inserted when it overlaps none).
 */
function overlapping(periods: SpendRow[], row: SpendRow): number | undefined {
  let low = 0;
  let high = periods.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (periods[middle]!.periodStart < row.periodStart) low = middle + 1;
    else high = middle;
  }
  // Periods are disjoint, so only the neighbours can overlap.
  const before = periods[low - 1];
  const after = periods[low];
  if (before && before.periodEnd > row.periodStart) return before.line;
  if (after && after.periodStart < row.periodEnd) return after.line;
  periods.splice(low, 0, row);
  return undefined;
}
