import { capturedLogger } from '@pmd/db/testing';
import { restEvent } from '@pmd/testkit';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { useTestServer } from '../testkit/server.ts';

// Long enough for the four requests below to fall in one interval on a loaded 2-core machine (they took 3.2 s once).
const SUMMARY_SECONDS = 6;

describe('server logs at LOG_LEVEL=info', () => {
  const logs = capturedLogger('server', 'info');
  const server = useTestServer({ log: logs.log, config: { logSummaryIntervalSeconds: SUMMARY_SECONDS } });
  const summaries = () => logs.lines.filter((line) => line.msg === 'traffic');

  it('has no line per request, and one summary line of the interval with its counts', async () => {
    const { baseUrl } = server.current;
    const post = (body: string) => fetch(`${baseUrl}/events/batch`, { method: 'POST', body });
    const events = Array.from({ length: 30 }, (_, i) => restEvent(i, 'logs'));
    const sentAt = performance.now();
    expect((await post(JSON.stringify([...events, { event_id: 'bad', event_type: 'impression' }]))).status).toBe(200);
    expect((await post(JSON.stringify(events.slice(0, 10)))).status).toBe(200);
    expect((await fetch(`${baseUrl}/campaigns/logs-0/kpis`)).status).toBe(200);
    const unparsable = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(unparsable.status).toBe(400);
    // Probes are not traffic: neither counted nor a reason for a summary.
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
    // All four fall in the one interval their first one opened (else the counts below would be split in two).
    expect(performance.now() - sentAt).toBeLessThan(SUMMARY_SECONDS * 1000);

    await expect.poll(() => summaries().length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(summaries()[0]).toMatchObject({
      level: 'info',
      seconds: SUMMARY_SECONDS,
      requests: 4,
      byStatusClass: { '2xx': 3, '4xx': 1 },
      events: { stored: 30, duplicate: 10, rejected: 1 },
      subscriptions: 0,
    });
    expect(summaries()[0]!.p95Ms).toEqual(expect.any(Number));
    expect(logs.lines.filter((line) => line.msg === 'request')).toEqual([]);
  });

  it('stays quiet while only probes come', async () => {
    const { baseUrl } = server.current;
    const before = logs.lines.length;
    for (let i = 0; i < 5; i++) await fetch(`${baseUrl}/health`);
    await new Promise((resolve) => setTimeout(resolve, (SUMMARY_SECONDS + 1) * 1000));
    expect(logs.lines.slice(before)).toEqual([]);
  });
});

describe('server logs of a failing request', () => {
  it('logs a 5xx at warn with its request id, even at LOG_LEVEL=info', async () => {
    const logs = capturedLogger('server', 'info');
    // Nothing listens on port 1: every database read fails, and the API answers 503.
    const app = buildApp({ databaseUrl: 'postgres://pmd@127.0.0.1:1/none', log: logs.log });
    try {
      const response = await app.yoga.fetch('http://localhost/campaigns/any/kpis', {
        headers: { 'x-request-id': 'failing-1' },
      });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(logs.lines.filter((line) => line.msg === 'request')).toEqual([
        expect.objectContaining({ level: 'warn', requestId: 'failing-1', status: response.status }),
      ]);
    } finally {
      await app.stop();
    }
  });
});
