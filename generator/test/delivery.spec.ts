import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestDatabase } from '@pmd/db/testing';
import { buildApp, type App } from '@pmd/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '@pmd/testkit/random';
import { FatalSendError, Sender } from '../src/sender.ts';
import { ORIGINAL_CAMPAIGNS, Simulation, type SimulatedEvent } from '../src/simulation.ts';

/**
 * A proxy in front of the API that misbehaves on a seeded share of requests: answers 503 without forwarding, drops
 * the connection before forwarding (network error), or forwards and then drops the connection instead of answering
 * (the request was stored but the client never hears so: the nastiest case for at-least-once delivery).
 */
function startFaultyProxy(
  target: string,
  seed: number,
): Promise<{
  url: string;
  faults: { unavailable: number; droppedBefore: number; droppedAfter: number; forwarded: number };
  close(): Promise<void>;
}> {
  const random = new Random(seed);
  const faults = { unavailable: 0, droppedBefore: 0, droppedAfter: 0, forwarded: 0 };
  const server: Server = createServer((req, res) => {
    const roll = random.next();
    if (roll < 0.15) {
      faults.unavailable++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
      return;
    }
    if (roll < 0.22) {
      faults.droppedBefore++;
      req.socket.destroy();
      return;
    }
    const dropAfter = roll < 0.32;
    const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      if (dropAfter) {
        faults.droppedAfter++;
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      faults.forwarded++;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        faults,
        close: () => {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

describe('delivery through a faulty network', () => {
  const database = useTestDatabase();
  let app: App;
  let apiUrl: string;
  beforeAll(async () => {
    app = buildApp({ databaseUrl: database.url, config: { ingestToken: 'gen-token' } });
    apiUrl = `http://127.0.0.1:${await app.start(0)}`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('stores every generated event exactly once although a third of the requests fail', async () => {
    const proxy = await startFaultyProxy(apiUrl, 99);
    const start = new Date(Date.now() - 30 * 60_000);
    const simulation = new Simulation({
      seed: 5,
      start,
      stopAt: new Date(start.getTime() + 25 * 60_000),
      journeysPerSecond: 3,
      campaigns: ORIGINAL_CAMPAIGNS,
      users: 2000,
      duplicates: { fraction: 0.05 },
    });
    const events: SimulatedEvent[] = simulation.advanceTo(new Date());
    const sender = new Sender({
      url: proxy.url,
      token: 'gen-token',
      batchSize: 50,
      flushIntervalMs: 20,
      concurrency: 4,
      maxBuffered: 500,
      initialBackoffMs: 5,
      maxBackoffMs: 50,
    });
    try {
      for (const event of events) await sender.enqueue(event);
      await sender.close();
    } finally {
      await proxy.close();
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM raw_events GROUP BY 1',
    );
    await client.end();

    const expected = new Set(events.map((e) => e.eventId));
    expect(events.length).toBeGreaterThan(4000);
    expect(rows.length).toBe(expected.size);
    expect(rows.every((row) => row.n === 1 && expected.has(row.event_id))).toBe(true);
    // The faults really happened, and were survived by retrying.
    expect(proxy.faults.unavailable).toBeGreaterThan(0);
    expect(proxy.faults.droppedBefore).toBeGreaterThan(0);
    expect(proxy.faults.droppedAfter).toBeGreaterThan(0);
    expect(sender.stats.retries).toBeGreaterThanOrEqual(
      proxy.faults.unavailable + proxy.faults.droppedBefore + proxy.faults.droppedAfter,
    );
    expect(sender.stats.rejected).toBe(0);
    expect(sender.stats.pending).toBe(0);
    // Every event the API answered for: stored, or known (re-sends and retries after lost answers) as a duplicate.
    expect(sender.stats.sent).toBe(sender.stats.stored + sender.stats.duplicates);
  });

  it('sends each activation with its value as revenue through the GraphQL mutation, stored to the micro-unit', async () => {
    const start = new Date(Date.now() - 20 * 60_000);
    const events = new Simulation({
      seed: 11,
      start,
      stopAt: new Date(start.getTime() + 10 * 60_000),
      journeysPerSecond: 20,
      campaigns: ORIGINAL_CAMPAIGNS,
      users: 500,
    }).advanceTo(new Date());
    const sender = new Sender({
      url: apiUrl,
      token: 'gen-token',
      batchSize: 200,
      flushIntervalMs: 10,
      concurrency: 2,
      maxBuffered: 1000,
    });
    for (const event of events) await sender.enqueue(event);
    await sender.close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ event_id: string; revenue: number }>(
      'SELECT event_id, revenue::float8 AS revenue FROM raw_events WHERE event_id = ANY($1)',
      [events.map((e) => e.eventId)],
    );
    await client.end();
    const stored = new Map(rows.map((row) => [row.event_id, row.revenue]));
    const activations = events.filter((e) => e.eventType === 'ACTIVATION');
    expect(activations.length).toBeGreaterThan(20);
    expect(activations.filter((e) => e.revenue > 0).length).toBe(activations.length);
    expect(stored.size).toBe(events.length);
    for (const event of events) expect(stored.get(event.eventId), event.eventType).toBe(event.revenue);
  });

  it('stops with FatalSendError on a wrong token instead of retrying forever', async () => {
    const sender = new Sender({
      url: apiUrl,
      token: 'wrong',
      batchSize: 10,
      flushIntervalMs: 10,
      concurrency: 1,
      maxBuffered: 100,
    });
    const [event] = new Simulation({
      seed: 1,
      start: new Date(Date.now() - 60_000),
      journeysPerSecond: 5,
      campaigns: ORIGINAL_CAMPAIGNS,
      users: 10,
    }).advanceTo(new Date());
    await sender.enqueue(event!);
    await expect(sender.close()).rejects.toBeInstanceOf(FatalSendError);
    expect(sender.stats.retries).toBe(0);
  });

  it('holds at most maxBuffered events while the API is down, making generation wait instead of dropping', async () => {
    let healthy = false;
    const gate: Server = createServer((req, res) => {
      if (!healthy) {
        req.resume();
        res.writeHead(503).end();
        return;
      }
      const upstream = httpRequest(`${apiUrl}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', () => resolve()));
    const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
    const events = new Simulation({
      seed: 8,
      start: new Date(Date.now() - 120_000),
      journeysPerSecond: 5,
      campaigns: ORIGINAL_CAMPAIGNS,
      users: 100,
    })
      .advanceTo(new Date())
      .slice(0, 31);
    const sender = new Sender({
      url: gateUrl,
      token: 'gen-token',
      batchSize: 10,
      flushIntervalMs: 10,
      concurrency: 1,
      maxBuffered: 20,
      initialBackoffMs: 5,
      maxBackoffMs: 20,
    });
    try {
      // 10 go in flight (and keep failing), 20 fill the buffer; the 31st must wait.
      for (const event of events.slice(0, 30)) await sender.enqueue(event);
      let accepted = false;
      const last = sender.enqueue(events[30]!).then(() => (accepted = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(accepted).toBe(false);
      // Deterministic, not timing: the buffer can only drain once the in-flight batch succeeds, i.e. after healing.
      expect(sender.stats.pending).toBe(30);
      healthy = true;
      await last;
      await sender.close();
    } finally {
      gate.closeAllConnections();
      await new Promise((resolve) => gate.close(resolve));
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM raw_events WHERE event_id = ANY($1)',
      [events.map((e) => e.eventId)],
    );
    await client.end();
    expect(rows[0]!.n).toBe(31);
  });
});
