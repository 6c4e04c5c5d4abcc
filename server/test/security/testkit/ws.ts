import WebSocket from 'ws';

export interface WsOutcome {
  /** Close code, or 0 when the socket was still open when we gave up. */
  closeCode: number;
  closeReason: string;
  /** Messages received before the close. */
  messages: any[];
  /** HTTP status of a refused upgrade. */
  upgradeStatus?: number;
}

/**
 * Opens a graphql-transport-ws socket, sends `messages` (strings or Buffers, sent as they are) once open, and
 * resolves when the server closes it or after `waitMs`.
 */
export function wsExchange(url: string, messages: (string | Buffer)[], waitMs = 5_000): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { maxPayload: 1024 * 1024 });
    const received: any[] = [];
    let settled = false;
    const settle = (outcome: WsOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ closeCode: 0, closeReason: '', messages: received }), waitMs);
    socket.on('open', () => {
      for (const message of messages) socket.send(message);
    });
    socket.on('message', (data) => {
      try {
        received.push(JSON.parse(data.toString()));
      } catch {
        received.push(data.toString());
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      settle({ closeCode: 0, closeReason: '', messages: received, upgradeStatus: res.statusCode });
    });
    socket.on('close', (code, reason) =>
      settle({ closeCode: code, closeReason: reason.toString(), messages: received }),
    );
    socket.on('error', () => {
      // 'close' follows
    });
  });
}

export const init = (payload?: unknown) =>
  JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload });
export const subscribe = (id: string, query: string, variables?: unknown) =>
  JSON.stringify({ id, type: 'subscribe', payload: { query, variables } });

/** A graphql-transport-ws socket driven by hand: send, and wait for the messages of an operation id. */
export class WsSession {
  readonly messages: any[] = [];
  closeCode = 0;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(url: string, connectionParams: Record<string, unknown>, timeoutMs = 10_000): Promise<WsSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      const session = new WsSession(socket);
      socket.once('open', () => socket.send(init(connectionParams)));
      session.waitFor((m) => m.type === 'connection_ack', timeoutMs).then(() => resolve(session), reject);
    });
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(message: string): void {
    this.socket.send(message);
  }

  /** Waits for a message matching `predicate` (searching from the start); rejects on close or timeout. */
  async waitFor(predicate: (message: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.closeCode) throw new Error(`socket closed (${this.closeCode}) before the expected message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.terminate();
  }
}
