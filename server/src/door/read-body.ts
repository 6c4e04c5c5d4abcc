import type { IncomingMessage, ServerResponse } from 'node:http';

/** Why a body was not read whole; the front door turns it into a status code. */
export class BodyRefused extends Error {
  constructor(
    readonly status: 408 | 413 | 503,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Bytes of request bodies being read at once in this process. Each body is capped on its own, but a few hundred
 * parallel uploads of the allowed size would still exceed the heap; past the budget a body is refused with 503 while
 * it streams (it may be retried), instead of taking the process down.
 */
export class BodyBudget {
  private inUse = 0;
  constructor(readonly totalBytes: number) {}

  take(bytes: number): boolean {
    if (this.inUse + bytes > this.totalBytes) return false;
    this.inUse += bytes;
    return true;
  }

  give(bytes: number): void {
    this.inUse -= bytes;
  }
}

/**
 * Reads a request body as it streams, chunked or not: refuses it (413) as soon as it passes `maxBytes` or its
 * declared Content-Length does, and (408) when it has not arrived within `timeoutMs`, so a slow or endless body
 * holds neither memory nor a connection for long. The bytes stay counted against the budget until the response is
 * done, since the body's parsed form lives that long.
 */
export async function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  options: { maxBytes: number; timeoutMs: number; budget: BodyBudget },
): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  const tooLarge = (size: string) =>
    new BodyRefused(413, `request body of ${size} exceeds the ${options.maxBytes}-byte limit`);
  if (declared > options.maxBytes) throw tooLarge(`${declared} bytes`);

  const chunks: Buffer[] = [];
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new BodyRefused(408, `the request body did not arrive within ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        request.off('data', onData).off('end', onEnd).off('error', fail).off('aborted', onAborted);
      };
      function fail(error: Error) {
        cleanup();
        request.pause();
        reject(error);
      }
      function onData(chunk: Buffer) {
        if (received + chunk.length > options.maxBytes) return fail(tooLarge('more bytes'));
        if (!options.budget.take(chunk.length))
          return fail(new BodyRefused(503, 'the server is reading too many request bodies at once; retry shortly'));
        received += chunk.length;
        chunks.push(chunk);
      }
      function onEnd() {
        cleanup();
        resolve();
      }
      const onAborted = () => fail(new Error('client aborted the request'));
      request.on('data', onData).on('end', onEnd).on('error', fail).on('aborted', onAborted);
    });
  } catch (error) {
    options.budget.give(received);
    throw error;
  }
  response.once('close', () => options.budget.give(received));
  return Buffer.concat(chunks, received);
}
