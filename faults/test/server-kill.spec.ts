import { useTestDatabase } from '@pmd/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { minuteRollupMismatches, storedEventCounts } from '@pmd/testkit';
import { startServerProcess, type ServerProcess } from './testkit/processes.ts';
import { fastSender, generatorEvents, sendAll } from './testkit/traffic.ts';

/**
 * The API process is SIGKILLed twice while the generator's sender has requests in flight, and restarted on the same
 * port: requests die half-way (some after their batch committed, before the answer left), the sender retries them,
 * and idempotent ingest must end with every generated event stored exactly once.
 */
describe('the server is killed in the middle of generator traffic', () => {
  const database = useTestDatabase();
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
  });

  it('stores every event the generator produced exactly once after restarts', async () => {
    server = await startServerProcess(database.url);
    const port = server.port;
    const events = generatorEvents(11, 12, 8);
    const expected = new Set(events.map((event) => event.eventId));
    const { sender, retryReasons } = fastSender(server.baseUrl);
    const sending = sendAll(sender, events);

    let kills = 0;
    for (const share of [0.3, 0.65]) {
      while (sender.stats.sent < events.length * share) await new Promise((resolve) => setTimeout(resolve, 5));
      await server.kill();
      kills++;
      server = await startServerProcess(database.url, { port });
    }
    await sending;

    const stored = await storedEventCounts(database.url);
    expect(events.length).toBeGreaterThan(5000);
    expect(kills).toBe(2);
    // The kills really broke requests in flight, and the sender got through by retrying.
    expect(retryReasons.get('network error')).toBeGreaterThan(0);
    expect(sender.stats.pending).toBe(0);
    expect(sender.stats.rejected).toBe(0);
    expect(stored.size).toBe(expected.size);
    expect([...stored].filter(([eventId, n]) => n !== 1 || !expected.has(eventId))).toEqual([]);
    // A batch killed mid-statement left no half-counted minute row behind.
    expect(await minuteRollupMismatches(database.url)).toEqual([]);
  });
});
