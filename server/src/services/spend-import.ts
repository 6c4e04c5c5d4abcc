import type pg from 'pg';
import {
  acceptanceLimit,
  MAX_SPEND_IMPORT_BYTES,
  oldestRewritableInstant,
  type AcceptanceLimit,
  type RetentionSettings,
} from '@pmd/domain';
import { InvalidArgumentError, UploadTooLargeError } from './errors.ts';
import { rebuildMinutes } from './minute-rebuild.ts';
import {
  candidatesOfCsv,
  checkRowCount,
  checkSpendRows,
  type SpendRow,
  type SpendRowCandidate,
  type SpendRowError,
} from './spend-import-parse.ts';
import { inTransaction } from './transaction.ts';
import { MINUTE_MS, resolveTimeZone } from './windows.ts';

export type { SpendRowError };

/** An upload: CSV text or rows (exactly one), and the zone its dates and hours are local to. */
export interface SpendImportRequest {
  rows?: readonly unknown[] | null;
  csv?: string | null;
  timeZone?: string | null;
}

export interface SpendImportResult {
  /** Rows stored. */
  stored: number;
  /** Stored rows deleted because a new row's period overlaps theirs (same campaign and channel). */
  replaced: number;
  /** Rows refused; `errors` says why, by line. */
  rejected: number;
  errors: SpendRowError[];
  /** The zone the dates and hours were read in. */
  timeZone: string;
}

/**
 * The one spend import, behind GraphQL `importSpend` and REST `POST /spend`. Bad rows are reported by line and the good
 * ones stored; an upload that cannot be read at all (no or both of csv and rows, an unusable header, too many rows or
 * bytes, an unknown zone) throws InvalidArgumentError and stores nothing. Under `retention`, periods starting before
 * what ingest accepts are refused like late events: their minutes can no longer be recomputed.
 */
export async function importSpend(
  pool: pg.Pool,
  request: SpendImportRequest,
  defaultTimeZone: string,
  retention: RetentionSettings,
  now = new Date(),
): Promise<SpendImportResult> {
  const timeZone = zoneOf(request.timeZone, defaultTimeZone);
  const candidates = candidatesOf(request);
  // Without retention every minute can be recomputed, so old periods stay importable (spend predating any event).
  const limit = oldestRewritableInstant(now, retention) ? acceptanceLimit(now, retention) : null;
  const checked = checkSpendRows(candidates, timeZone);
  const { rows, errors } = limit ? refuseOlderThanKept(checked, limit) : checked;
  const { replaced } = rows.length ? await storeSpendRows(pool, rows, timeZone) : { replaced: 0 };
  return { stored: rows.length, replaced, rejected: errors.length, errors, timeZone };
}

function refuseOlderThanKept(
  checked: { rows: SpendRow[]; errors: SpendRowError[] },
  limit: AcceptanceLimit,
): { rows: SpendRow[]; errors: SpendRowError[] } {
  const rows = checked.rows.filter((row) => row.periodStart >= limit.oldest);
  if (rows.length === checked.rows.length) return checked;
  const since = limit.oldest.toISOString().replace('.000Z', 'Z');
  const refused = checked.rows
    .filter((row) => row.periodStart < limit.oldest)
    .map((row) => ({
      line: row.line,
      field: row.granularity === 'day' ? 'date' : 'hour',
      reason: `the period starts before ${since}: ${limit.because}`,
    }));
  return { rows, errors: [...checked.errors, ...refused].sort((a, b) => a.line - b.line) };
}

function zoneOf(requested: string | null | undefined, fallback: string): string {
  try {
    return resolveTimeZone(requested, fallback);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(error.message, 'timeZone');
    throw error;
  }
}

/** Both doors bound the upload the same way, before anything is parsed. */
function candidatesOf(request: SpendImportRequest) {
  const hasCsv = typeof request.csv === 'string';
  const hasRows = Array.isArray(request.rows);
  if (hasCsv === hasRows) throw new InvalidArgumentError('Send exactly one of csv and rows.', hasCsv ? 'rows' : 'csv');
  if (hasCsv) {
    const bytes = Buffer.byteLength(request.csv!, 'utf8');
    if (bytes > MAX_SPEND_IMPORT_BYTES) {
      throw new UploadTooLargeError(
        `An upload holds at most ${MAX_SPEND_IMPORT_BYTES} bytes; this CSV has ${bytes}. Nothing was stored.`,
        'csv',
      );
    }
    return candidatesOfCsv(request.csv!);
  }
  checkRowCount(request.rows!.length);
  return request.rows!.map((candidate, index) => ({ line: index + 1, candidate: candidate as SpendRowCandidate }));
}

/**
 * Stores checked rows in one transaction: catalog rows for campaigns never seen (name = id), the campaigns' rows
 * locked in id order, stored rows of the same campaign and channel whose period overlaps a new one deleted (counted
 * as replaced), the new rows inserted; then, for campaigns whose spend comes from imports, the minutes that held an
 * old or a new row are rebuilt (`rebuildMinutes`), their hours marked dirty and live views told.
 */
async function storeSpendRows(pool: pg.Pool, rows: readonly SpendRow[], timeZone: string) {
  const column = <T>(pick: (row: SpendRow) => T) => rows.map(pick);
  const campaignIds = [...new Set(column((row) => row.campaignId))].sort();
  return inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO campaigns (campaign_id, name)
       SELECT id, id FROM unnest($1::text[]) AS t(id) ORDER BY id
       ON CONFLICT (campaign_id) DO NOTHING`,
      [campaignIds],
    );
    // FOR UPDATE, not FOR SHARE: ingest share-locks these rows before it adds to minute rows, so while this upload
    // rebuilds minutes of an imports-sourced campaign no batch can add to them (an event committed between the
    // rebuild's read and its write would be lost). Uploads are rare and short; ingest waits for one at most.
    const { rows: campaigns } = await client.query<{ campaign_id: string; spend_source: string }>(
      `SELECT campaign_id, spend_source FROM campaigns WHERE campaign_id = ANY($1::text[])
       ORDER BY campaign_id FOR UPDATE`,
      [campaignIds],
    );
    const newRows = [
      column((row) => row.campaignId),
      column((row) => row.channel),
      column((row) => row.periodStart),
      column((row) => row.periodEnd),
    ];
    const { rows: gone } = await client.query<{ campaign_id: string; channel: string; period_start: Date }>(
      `DELETE FROM spend_imports s
       USING unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS n(campaign_id, channel, f, t)
       WHERE s.campaign_id = n.campaign_id AND s.channel = n.channel AND s.period_start < n.t AND s.period_end > n.f
       RETURNING s.campaign_id, s.channel, s.period_start`,
      newRows,
    );
    await client.query(
      `INSERT INTO spend_imports (campaign_id, channel, period_start, period_end, granularity, time_zone, spend,
                                  impressions, clicks)
       SELECT campaign_id, channel, f, t, granularity, $9, spend, impressions, clicks
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::numeric[],
                   $7::bigint[], $8::bigint[]) AS n(campaign_id, channel, f, t, granularity, spend, impressions, clicks)`,
      [
        ...newRows,
        column((row) => row.granularity),
        column((row) => row.spend),
        column((row) => row.impressions),
        column((row) => row.clicks),
        timeZone,
      ],
    );
    const fromImports = new Set(campaigns.filter((c) => c.spend_source === 'imports').map((c) => c.campaign_id));
    const touched = [
      ...gone.map((row) => ({ campaignId: row.campaign_id, channel: row.channel, start: row.period_start })),
      ...rows.map((row) => ({ campaignId: row.campaignId, channel: row.channel, start: row.periodStart })),
    ].filter((key) => fromImports.has(key.campaignId));
    if (touched.length) {
      // Periods start on whole minutes (zone offsets are whole minutes), so each key is one minute row.
      const minutes = touched.map((key) => Math.floor(key.start.getTime() / MINUTE_MS) * MINUTE_MS);
      await rebuildMinutes(client, {
        // The keys' hull as plain parameters ($4, $5): PostgreSQL cannot bound a join to the array by time, so without
        // it the recomputation read every retained day of raw_events to find the keys' minutes.
        where: (alias, ts) => `${ts} >= $4 AND ${ts} < $5 AND EXISTS (
          SELECT 1 FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(campaign_id, channel, minute)
          WHERE k.campaign_id = ${alias}.campaign_id AND k.channel = ${alias}.channel
            AND ${ts} >= k.minute AND ${ts} < k.minute + interval '1 minute')`,
        values: [
          touched.map((key) => key.campaignId),
          touched.map((key) => key.channel),
          minutes.map((minute) => new Date(minute)),
          new Date(Math.min(...minutes)),
          new Date(Math.max(...minutes) + MINUTE_MS),
        ],
      });
    }
    return { replaced: gone.length };
  });
}
