import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeepAliveClient } from './keep-alive-client.ts';

/**
 * The bench's hand-written client against a real node:http server: each way a response can arrive (a length, chunks,
 * bytes split over several writes) on one kept-alive connection, and a connection the server closes.
 */
describe('KeepAliveClient', () => {
  let server: Server;
  let port: number;
  const connections = new Set<unknown>();
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (part: Buffer) => (body += part.toString()));
      request.on('end', () => {
        const echo = JSON.stringify({ path: request.url, body: JSON.parse(body) as unknown });
        if (request.url === '/length') {
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(echo) });
          response.end(echo);
        } else if (request.url === '/chunked') {
          // No length: node:http sends the body in chunks, as older revisions' REST answers come.
          response.writeHead(201, { 'content-type': 'application/json' });
          response.write(echo.slice(0, 5));
          response.end(echo.slice(5));
        } else if (request.url === '/split') {
          // The head and the body's halves in separate packets, the last after a pause.
          response.writeHead(200, { 'content-length': Buffer.byteLength(echo) });
          response.flushHeaders();
          response.write(echo.slice(0, 3));
          setTimeout(() => response.end(echo.slice(3)), 20);
        } else {
          request.socket.destroy();
        }
      });
    });
    server.on('connection', (socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads responses with a length, in chunks and split over packets, one after another on one connection', async () => {
    const client = await KeepAliveClient.connect('127.0.0.1', port);
    try {
      const body = JSON.stringify([{ event_id: 'é-1', cost: 0.1 }]);
      for (const path of ['/length', '/chunked', '/split', '/length']) {
        const response = await client.post(path, body);
        expect(response.status).toBe(path === '/chunked' ? 201 : 200);
        expect(JSON.parse(response.text)).toEqual({ path, body: [{ event_id: 'é-1', cost: 0.1 }] });
      }
      expect(connections.size).toBe(1);
    } finally {
      client.close();
    }
  });

  it('rejects the request in flight when the server closes the connection, and every request after it', async () => {
    const client = await KeepAliveClient.connect('127.0.0.1', port);
    await expect(client.post('/close', '{}')).rejects.toThrow('the server closed the connection');
    await expect(client.post('/length', '{}')).rejects.toThrow('the server closed the connection');
  });
});
