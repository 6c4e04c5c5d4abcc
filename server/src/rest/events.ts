import { MAX_BATCH_SIZE, type EventFieldError } from '../services/ingest-validation.ts';
import { ingestThroughGate, type IngestRefusal } from '../services/ingest-gate.ts';
import { BatchTooLargeError } from '../services/ingest.ts';
import { REQUEST_LIMITS } from '../plugins/limits.ts';
import { json, type RestRoute } from './router.ts';

const MAX_BODY_BYTES = REQUEST_LIMITS.maxBodyBytes;

/**
 * `POST /events` and `POST /events/batch` of the original FastAPI service, on the shared ingest service. Errors keep
 * FastAPI's shapes: 422 `{"detail": [{loc, msg, type}]}` for a body that cannot be read, `{"detail": "…"}` otherwise.
 */
export const eventRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/events',
    handler: async ({ request, app }) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const attempt = await ingestThroughGate(app, request, [body.value]);
      if ('refused' in attempt) return refusal(attempt.refused);
      const { outcome } = attempt;
      const rejected = outcome.rejected[0];
      if (rejected) return json({ detail: rejected.errors.map((error) => detailItem(error, ['body'])) }, 422);
      return json({ ingested: true, duplicate: outcome.duplicates === 1 });
    },
  },
  {
    method: 'POST',
    path: '/events/batch',
    handler: async ({ request, app }) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      if (!Array.isArray(body.value)) {
        return json({ detail: [{ loc: ['body'], msg: 'Input should be a valid list', type: 'list_type' }] }, 422);
      }
      try {
        const attempt = await ingestThroughGate(app, request, body.value);
        if ('refused' in attempt) return refusal(attempt.refused);
        const { outcome } = attempt;
        return json({
          ingested: outcome.stored,
          duplicates: outcome.duplicates,
          rejected: outcome.rejected.map((rejected) => ({
            index: rejected.index,
            event_id: rejected.eventId,
            errors: rejected.errors.map((error) => detailItem(error, [])),
          })),
        });
      } catch (error) {
        if (error instanceof BatchTooLargeError)
          return json({ detail: error.message, max_batch_size: MAX_BATCH_SIZE }, 413);
        throw error;
      }
    },
  },
];

function detailItem(error: EventFieldError, prefix: string[]) {
  return { loc: error.field ? [...prefix, error.field] : prefix, msg: error.msg, type: error.type };
}

function refusal({ status, message, retryAfterSeconds }: IngestRefusal): Response {
  const headers: Record<string, string> =
    status === 401 ? { 'www-authenticate': 'Bearer' } : { 'retry-after': String(retryAfterSeconds ?? 1) };
  return json({ detail: message }, status, headers);
}

type JsonBody = { ok: true; value: unknown } | { ok: false; response: Response };

async function readJson(request: Request): Promise<JsonBody> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  const tooLarge = {
    ok: false,
    response: json({ detail: `Request body larger than ${MAX_BODY_BYTES} bytes` }, 413),
  } as const;
  if (declared > MAX_BODY_BYTES) return tooLarge;
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return tooLarge;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      response: json(
        { detail: [{ loc: ['body'], msg: `JSON decode error: ${(error as Error).message}`, type: 'json_invalid' }] },
        422,
      ),
    };
  }
}
