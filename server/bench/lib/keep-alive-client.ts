import { connect, type Socket } from 'node:net';

/** A response as the bench reads it. */
export interface BenchResponse {
  status: number;
  text: string;
}

const HEADERS_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection carrying one POST at a time, written and read by hand: the load generator of the
 * ingest bench, which shares the machine's 2 cores with the server and PostgreSQL it measures. `node:http`'s client
 * spent 7–11 µs of CPU per REST ×50 event (350–550 µs per request: its agent, header objects, streams); in production
 * the senders are on other machines. It reads only what the server sends here: a status line and a
 * `content-length` or chunked body (no 1xx responses, no trailers, no compression).
 */
export class KeepAliveClient {
  /** The start of a response whose rest has not arrived yet. */
  private partial: Buffer | undefined;
  private pending: { resolve(response: BenchResponse): void; reject(error: Error): void } | undefined;
  private closedError: Error | undefined;

  /** A connection to `host`:`port`, once it is open. */
  static async connect(host: string, port: number): Promise<KeepAliveClient> {
    const socket = connect({ host, port, noDelay: true });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new KeepAliveClient(socket, `${host}:${port}`);
  }

  private constructor(
    private readonly socket: Socket,
    private readonly hostHeader: string,
  ) {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  /** POSTs `body` (JSON) to `path` and resolves the whole response. */
  post(path: string, body: string): Promise<BenchResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.pending) return Promise.reject(new Error('one request at a time per connection'));
    const head =
      `POST ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const data = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    let response: BenchResponse | undefined;
    try {
      response = parseResponse(data);
    } catch (error) {
      this.fail(error as Error);
      this.socket.destroy();
      return;
    }
    if (!response) {
      this.partial = data;
      return;
    }
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(response);
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** The response in `data`, or undefined while it is incomplete. */
function parseResponse(data: Buffer): BenchResponse | undefined {
  const headersEnd = data.indexOf(HEADERS_END);
  if (headersEnd < 0) return undefined;
  const head = data.toString('latin1', 0, headersEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headersEnd + HEADERS_END.length;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return data.length < end ? undefined : { status, text: data.toString('utf8', bodyStart, end) };
  }
  // Older revisions measured as a --baseline answer REST in chunks.
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error(`a response without a length: ${head}`);
  const parts: Buffer[] = [];
  let at = bodyStart;
  for (;;) {
    const sizeEnd = data.indexOf('\r\n', at);
    if (sizeEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, sizeEnd), 16);
    if (Number.isNaN(size)) throw new Error(`a chunk without a size: ${data.toString('latin1', at, sizeEnd)}`);
    const chunkStart = sizeEnd + 2;
    // Each chunk, and the last (empty) one, ends with CRLF.
    if (data.length < chunkStart + size + 2) return undefined;
    if (size === 0) return { status, text: Buffer.concat(parts).toString('utf8') };
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + 2;
  }
}
