import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { restEvent, graphqlEvent } from '@pmd/testkit';
import {
  expectNoInternals,
  expectServerFine,
  INGEST_TOKEN,
  METRICS_TOKEN,
  READ_TOKEN,
  useSecurityServer,
} from './testkit/server.ts';
import { init, subscribe, wsExchange, WsSession } from './testkit/ws.ts';

// Small caps so they can be reached from one test: 20 sockets per client address, 30 in all.
const server = useSecurityServer({ WS_MAX_CONNECTIONS: '30', WS_MAX_CONNECTIONS_PER_ADDRESS: '20' });

const LIVE = 'subscription($m: Int!) { liveOverview(window: { lastMinutes: $m }) { __typename } }';

describe('connection_init', () => {
  it.each([
    ['no payload', undefined],
    ['no authorization', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['the metrics token', { authorization: `Bearer ${METRICS_TOKEN}` }],
    ['a number', { authorization: 42 }],
    ['an object', { authorization: { trim: 'x' } }],
    ['an array', { authorization: [`Bearer ${READ_TOKEN}`] }],
  ])('without a token granting a scope (%s) is closed with 4403', async (_label, payload) => {
    // Only the init: a subscribe sent before the acknowledgement would be closed by graphql-ws itself (4401).
    const outcome = await wsExchange(server.wsUrl, [init(payload)]);
    expect(outcome.closeCode).toBe(4403);
    expect(outcome.messages.filter((m) => m.type !== 'ping')).toEqual([]);
    expectNoInternals(outcome.closeReason);
  });

  it('with the read or the ingest token is acknowledged', async () => {
    for (const token of [READ_TOKEN, INGEST_TOKEN]) {
      const session = await WsSession.open(server.wsUrl, { authorization: `Bearer ${token}` });
      session.close();
    }
  });
});

describe('message size', () => {
  it('closes a socket sending a message over 64 KiB with 1009, before or after the handshake', async () => {
    const big = subscribe('1', LIVE, { m: 5, pad: 'x'.repeat(100 * 1024) });
    const before = await wsExchange(server.wsUrl, [big]);
    expect(before.closeCode).toBe(1009);
    const session = await WsSession.open(server.wsUrl, { authorization: `Bearer ${READ_TOKEN}` });
    session.send(big);
    await expect(session.waitFor(() => false, 5_000)).rejects.toThrow(/closed \(1009\)/);
    await expectServerFine(server, 'websocket 100 KiB message');
  });

  it('closes a 30 MB connection_init (item 1), with or without a token, and the server stays within its RSS cap', async () => {
    server.resetPeak();
    const pad = 'x'.repeat(30 * 1000 * 1000);
    for (const authorization of [undefined, `Bearer ${READ_TOKEN}`]) {
      const outcome = await wsExchange(
        server.wsUrl,
        [JSON.stringify({ type: 'connection_init', payload: { authorization, pad } })],
        20_000,
      );
      expect(outcome.closeCode, `authorization ${authorization}`).toBe(1009);
      expect(outcome.messages.filter((m) => m.type === 'connection_ack')).toEqual([]);
    }
    await expectServerFine(server, 'websocket 30 MB connection_init (x2)');
  });
});

describe('connection caps', () => {
  const open = (localAddress: string) =>
    new Promise<{ socket: WebSocket; status: number }>((resolve) => {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { localAddress });
      socket.on('open', () => resolve({ socket, status: 101 }));
      socket.on('unexpected-response', (_req, res) => resolve({ socket, status: res.statusCode ?? 0 }));
      socket.on('error', () => resolve({ socket, status: 0 }));
    });

  it('refuses the upgrade with 503 past the per-address cap and past the total cap', async () => {
    const held: WebSocket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const { socket, status } = await open('127.0.0.1');
        held.push(socket);
        expect(status).toBe(101);
      }
      expect((await open('127.0.0.1')).status).toBe(503);
      for (let i = 0; i < 10; i++) {
        const { socket, status } = await open('127.0.0.2');
        held.push(socket);
        expect(status).toBe(101);
      }
      expect((await open('127.0.0.3')).status).toBe(503);
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    } finally {
      for (const socket of held) socket.terminate();
    }
    // Closed sockets are released: a new one is admitted again.
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline) {
      const attempt = await open('127.0.0.1');
      attempt.socket.terminate();
      status = attempt.status;
      if (status === 101) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(101);
  });
});

describe('operations on one socket', () => {
  it('a syntax error fails that operation only; the others keep delivering, and ingestEvent works over websockets', async () => {
    const reader = await WsSession.open(server.wsUrl, { authorization: `Bearer ${READ_TOKEN}` });
    const ingester = await WsSession.open(server.wsUrl, { authorization: `Bearer ${INGEST_TOKEN}` });
    try {
      reader.send(subscribe('good', LIVE, { m: 60 }));
      await reader.waitFor((m) => m.id === 'good' && m.type === 'next');
      reader.send(JSON.stringify({ id: 'bad', type: 'subscribe', payload: { query: 'subscription {' } }));
      const bad = await reader.waitFor((m) => m.id === 'bad' && m.type === 'error');
      expect(JSON.stringify(bad.payload)).toMatch(/Syntax Error/);
      expectNoInternals(JSON.stringify(bad));
      reader.send(subscribe('invalid', 'subscription { noSuchField }'));
      await reader.waitFor((m) => m.id === 'invalid' && m.type === 'error');

      const before = reader.messages.filter((m) => m.id === 'good' && m.type === 'next').length;
      const event = graphqlEvent(restEvent(3, 'ws'));
      ingester.send(
        JSON.stringify({
          id: 'ingest',
          type: 'subscribe',
          payload: {
            query: 'mutation($e: EventInput!) { ingestEvent(event: $e) { stored duplicates } }',
            variables: { e: event },
          },
        }),
      );
      const result = await ingester.waitFor((m) => m.id === 'ingest' && m.type !== 'complete');
      expect(result).toMatchObject({ type: 'next', payload: { data: { ingestEvent: { stored: 1, duplicates: 0 } } } });
      expect(await server.sql('SELECT event_id FROM raw_events')).toEqual([{ event_id: event.eventId }]);

      // The good subscription saw the new event on the same socket that carried the bad ones.
      await reader.waitFor(
        () => reader.messages.filter((m) => m.id === 'good' && m.type === 'next').length > before,
        10_000,
      );
      expect(reader.closeCode).toBe(0);
    } finally {
      reader.close();
      ingester.close();
    }
    await expectServerFine(server, 'websockets');
  });
});
