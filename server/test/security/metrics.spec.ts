import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { expectServerFine, metricsAuth, readAuth, useSecurityServer } from './testkit/server.ts';

// Item 1's fourth crash: every request path and GraphQL operation name became a label value of /metrics, so 10,000
// unique ones grew it without bound. Labels must come from bounded sets (route templates, known operations, `other`).
// Before the bounded labels (branch metrics-bigint) /metrics was 12.6 MB after this flood; now about 15 KB.
const server = useSecurityServer();

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(path: string, body?: string, headers: Record<string, string> = {}): Promise<number> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: body ? 'POST' : 'GET', path, headers, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A loopback keep-alive socket can go stale under load (ECONNRESET): one retry on a fresh one. */
const withRetry = (attempt: () => Promise<number>) => attempt().catch(() => attempt());

describe('/metrics', () => {
  it('stays small after 10,000 requests with unique 404 paths and unique operation names', async () => {
    server.resetPeak();
    const total = 10_000;
    let next = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const i = next++;
          const status =
            i % 2 === 0
              ? await withRetry(() => request(`/no-such-path-${i}`))
              : await withRetry(() =>
                  request(
                    `/graphql`,
                    JSON.stringify({ query: `query Unique${i} { __typename }`, operationName: `Unique${i}` }),
                    {
                      'content-type': 'application/json',
                      ...readAuth,
                    },
                  ),
                );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    agent.destroy();
    console.log(
      `[flood] ${total} requests in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(statuses.get(404)).toBe(total / 2);
    expect(statuses.get(200)).toBe(total / 2);

    const metrics = await fetch(`${server.baseUrl}/metrics`, { headers: metricsAuth });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    console.log(`[metrics] /metrics is ${text.length} bytes after the flood`);
    expect(text.length, '/metrics bytes').toBeLessThan(200_000);
    expect(text.includes('no-such-path-'), 'a request path as a label').toBe(false);
    expect(text.includes('Unique9'), 'an unknown operation name as a label').toBe(false);
    // The retention gauge takes no input: its one label has two values, whatever the traffic.
    expect(text.match(/^pmd_retention_removed_past_settings\{level="\w+"\} /gm)).toHaveLength(2);
    await expectServerFine(server, '10,000 unique paths and operation names, then /metrics');
  });
});
