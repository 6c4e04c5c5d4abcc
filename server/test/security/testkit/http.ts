import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { expect } from 'vitest';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request over its own connection with exactly these bytes (no client-side normalisation of the body). */
export function send(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
        path: request.path,
        headers: request.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to ${request.path} within 60 s`)));
    req.end(request.body);
  });
}

export function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return send(baseUrl, {
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  });
}

export interface UploadResult {
  /** The status the server answered with, or 0 when it closed the connection without one. */
  status: number;
  body: string;
  /** Bytes written before the answer or the close. */
  sentBytes: number;
  /** Milliseconds from the first byte to the answer or the close. */
  elapsedMs: number;
}

/**
 * Streams a body of up to `totalBytes` (chunked unless `contentLength` is given) in `chunk`-sized writes over a raw
 * socket, honouring backpressure, and stops as soon as the server answers or closes the connection: an attacker who
 * keeps sending. A raw socket keeps the answer even when the server resets the connection right after it.
 */
export function upload(
  baseUrl: string,
  options: {
    path: string;
    headers?: Record<string, string>;
    chunk: Buffer;
    totalBytes: number;
    /** The exact bytes to send (in `chunk.length` pieces) instead of `chunk` repeated. */
    body?: Buffer;
    /** Pause between writes (trickling). */
    intervalMs?: number;
    contentLength?: number;
  },
): Promise<UploadResult> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    let sentBytes = 0;
    let done = false;
    let received = Buffer.alloc(0);
    const chunked = options.contentLength === undefined;
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/json',
      ...options.headers,
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(options.contentLength) }),
    };
    const socket = net.connect(Number(url.port), url.hostname);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      resolve({ status, body: split >= 0 ? text.slice(split + 4) : '', sentBytes, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(finish, 60_000);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))?.[1] ?? NaN);
      if (received.length - split - 4 >= length) finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {
      // 'close' follows; whatever the server answered before it is kept
    });
    socket.once('connect', () => {
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`POST ${options.path} HTTP/1.1\r\n${head}\r\n`);
      void pump();
    });
    const pump = async () => {
      while (!done && !socket.destroyed && sentBytes < options.totalBytes) {
        const size = Math.min(options.chunk.length, options.totalBytes - sentBytes);
        const piece = options.body
          ? options.body.subarray(sentBytes, sentBytes + size)
          : options.chunk.subarray(0, size);
        sentBytes += piece.length;
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
        const flushed = socket.write(framed);
        if (options.intervalMs) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
        else if (!flushed)
          await new Promise<void>((resolve) => {
            const go = () => {
              socket.off('drain', go).off('close', go);
              resolve();
            };
            socket.once('drain', go).once('close', go);
          });
      }
      if (!done && !socket.destroyed && chunked) socket.write('0\r\n\r\n');
    };
  });
}

/** `[{},{},…]` of about `bytes` bytes: the cheapest way to make a parser allocate millions of objects. */
export function emptyObjectsArray(bytes: number): Buffer {
  const count = Math.max(1, Math.floor((bytes - 1) / 3));
  const buffer = Buffer.alloc(count * 3 + 1);
  buffer.write('[');
  buffer.fill('{},', 1);
  buffer.write('{}]', count * 3 - 2);
  return buffer;
}

/**
 * The server refused a streamed body with `status`, or closed the connection before the whole body went out. The
 * door answers, discards what still comes for 2 s (a lingering close), then drops the connection; a client that only
 * reads after that loses the answer to the reset. Both count as refused; the reset is logged.
 */
export function expectRefusedWhileStreaming(
  result: UploadResult,
  status: number,
  totalBytes: number,
  label: string,
): void {
  if (result.status === 0) {
    console.log(`[reset] ${label}: connection closed by the server after ${result.sentBytes} bytes, answer lost`);
    expect(result.sentBytes).toBeLessThan(totalBytes);
  } else {
    expect(result.status, label).toBe(status);
  }
}
