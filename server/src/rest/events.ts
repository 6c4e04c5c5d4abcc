import { clientAddressOf } from '../observability/request-log.ts';
import { clientKeyOf } from '../services/access.ts';
import { MAX_BATCH_SIZE, type EventFieldError } from '../services/ingest-validation.ts';
import { ingestThroughGate, type IngestRefusal } from '../services/ingest-gate.ts';
import { BatchTooLargeError } from '../services/errors.ts';
import { REQUEST_LIMITS } from '../plugins/limits.ts';
import { json, type RestRoute } from './router.ts';

const MAX_BODY_BYTES = REQUEST_LIMITS.maxBodyBytes;

/** Rate limits count per client: its token, else its address. */
const clientOf = (request: Request) => ({
  clientKey: clientKeyOf(request.headers.get('authorization'), clientAddressOf(request)),
});

/**
 * `POST /events` and `POST /events/batch` of the original FastAPI service, on the shared ingest service. Errors keep
 * FastAPI's shapes: 422 `{"detail": [{loc, msg, type}]}` for a body that cannot be read, `{"detail": "…"}` otherwise.
 */
export const eventRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/events',
    scope: 'ingester',
    handler: async ({ request, app }) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const attempt = await ingestThroughGate(app, clientOf(request), [body.value]);
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
    scope: 'ingester',
    handler: async ({ request, app }) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      if (!Array.isArray(body.value)) {
        return json({ detail: [{ loc: ['body'], msg: 'Input should be a valid list', type: 'list_type' }] }, 422);
      }
      try {
        const attempt = await ingestThroughGate(app, clientOf(request), body.value);
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
  return json({ detail: message }, status, { 'retry-after': String(retryAfterSeconds) });
}

type JsonBody = { ok: true; value: unknown } | { ok: false; response: Response };

/**
 * The JSON body. Over HTTP the front door has already read it within its limits, checked it and parsed it once
 * (`request.json()` hands that value over); in-process calls (tests) are only checked for their declared size.
 */
async function readJson(request: Request): Promise<JsonBody> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    return { ok: false, response: json({ detail: `Request body larger than ${MAX_BODY_BYTES} bytes` }, 413) };
  }
  try {
    return { ok: true, value: await request.json() };
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
