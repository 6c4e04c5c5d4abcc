import { MAX_SPEND_IMPORT_BYTES } from '@pmd/domain';
import { InvalidArgumentError, UploadTooLargeError } from '../services/errors.ts';
import { importSpend } from '../services/spend-import.ts';
import { json, type RestRoute } from './router.ts';

const CSV = /^text\/csv\s*(;|$)/i;

/**
 * `POST /spend`: the spend import (services/spend-import.ts) for scripts. The body is CSV (Content-Type: text/csv) or
 * JSON (an array of rows or `{"rows": [...]}`); `?time_zone=` names the zone of its dates and hours. 200 with what
 * became of each row; 422 when nothing was valid or the upload cannot be read; 413 over MAX_SPEND_IMPORT_BYTES (the
 * door refuses it before reading on).
 */
export const spendRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/spend',
    scope: 'ingester',
    maxBodyBytes: MAX_SPEND_IMPORT_BYTES,
    acceptsCsv: true,
    handler: async ({ request, url, app }) => {
      const tooLarge = () => json({ detail: `Request body larger than ${MAX_SPEND_IMPORT_BYTES} bytes` }, 413);
      // Over HTTP the door already refused larger bodies; in-process calls meet these checks only.
      if (Number(request.headers.get('content-length') ?? 0) > MAX_SPEND_IMPORT_BYTES) return tooLarge();
      const text = await request.text();
      if (Buffer.byteLength(text, 'utf8') > MAX_SPEND_IMPORT_BYTES) return tooLarge();
      let upload: { csv: string } | { rows: unknown[] };
      if (CSV.test(request.headers.get('content-type') ?? '')) upload = { csv: text };
      else {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (error) {
          return json(
            {
              detail: [{ loc: ['body'], msg: `JSON decode error: ${(error as Error).message}`, type: 'json_invalid' }],
            },
            422,
          );
        }
        const rows = Array.isArray(body) ? body : (body as { rows?: unknown } | null)?.rows;
        if (!Array.isArray(rows)) {
          return json(
            {
              detail: [
                {
                  loc: ['body'],
                  msg: 'Send text/csv, or JSON: an array of rows or {"rows": [...]}',
                  type: 'list_type',
                },
              ],
            },
            422,
          );
        }
        upload = { rows: rows.map(fromSnakeCase) };
      }
      try {
        const result = await importSpend(
          app.pool,
          { ...upload, timeZone: url.searchParams.get('time_zone') },
          app.config.reportingTimeZone,
          app.retention.settings(),
        );
        const body = {
          stored: result.stored,
          replaced: result.replaced,
          rejected: result.rejected,
          errors: result.errors,
          time_zone: result.timeZone,
        };
        return json(body, result.stored === 0 && result.rejected > 0 ? 422 : 200);
      } catch (error) {
        if (error instanceof InvalidArgumentError) {
          const status = error instanceof UploadTooLargeError ? 413 : 422;
          return json({ detail: error.message, argument: error.argument }, status);
        }
        throw error;
      }
    },
  },
];

/** REST rows use the CSV's snake_case names (campaign_id); camelCase (as GraphQL) is accepted too. */
function fromSnakeCase(row: unknown): unknown {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
  const { campaign_id: campaignId, ...rest } = row as Record<string, unknown>;
  return campaignId === undefined ? rest : { campaignId, ...rest };
}
