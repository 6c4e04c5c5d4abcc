import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { coalesceWrites } from '../src/door/websocket-writes.ts';

/** A websocket server wired as the app wires its own (noServer, handleUpgrade), with the socket's writes counted. */
describe('frames sent to one websocket in one turn go out in one socket write', () => {
  let server: Server;
  let wsServer: WebSocketServer;
  let url: string;
  const accepted: { websocket: WebSocket; writes: () => number }[] = [];
  let onAccepted: (() => void) | undefined;

  beforeAll(async () => {
    server = createServer();
    wsServer = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) =>
      wsServer.handleUpgrade(request, socket, head, (websocket) => {
        coalesceWrites(websocket, socket);
        // Every write the socket hands to the operating system goes through one of these two.
        type Write = (...args: unknown[]) => unknown;
        const tcp = socket as Socket & { _write: Write; _writev: Write };
        let writes = 0;
        for (const method of ['_write', '_writev'] as const) {
          const original = tcp[method].bind(tcp);
          tcp[method] = (...args: unknown[]) => {
            writes += 1;
            return original(...args);
          };
        }
        accepted.push({ websocket, writes: () => writes });
        onAccepted?.();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of wsServer.clients) client.terminate();
    await new Promise((resolve) => wsServer.close(resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client, its server side, and every message it receives. */
  async function connect() {
    const received: string[] = [];
    const client = new WebSocket(url);
    client.on('message', (data) => received.push(String(data)));
    const serverSide = new Promise<void>((resolve) => (onAccepted = resolve));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    await serverSide;
    return { client, received, side: accepted.at(-1)! };
  }

  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('three frames of one turn: one write, received whole and in order', async () => {
    const { client, received, side } = await connect();
    const before = side.writes();
    // As graphql-ws sends results: each from its own microtask, all in one turn.
    await Promise.all(
      ['first', 'second', 'third'].map((text) => Promise.resolve().then(() => side.websocket.send(text))),
    );
    await until(() => received.length === 3);
    expect(received).toEqual(['first', 'second', 'third']);
    expect(side.writes() - before).toBe(1);
    client.close();
  });

  it('frames of different turns are written in their own turn, none waits for a later send', async () => {
    const { client, received, side } = await connect();
    const before = side.writes();
    side.websocket.send('one');
    await until(() => received.length === 1);
    side.websocket.send('two');
    await until(() => received.length === 2);
    expect(received).toEqual(['one', 'two']);
    expect(side.writes() - before).toBe(2);
    client.close();
  });
});
