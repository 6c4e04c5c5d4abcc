import { Sender, type SenderOptions } from '@pmd/generator/src/sender.ts';
import { ORIGINAL_CAMPAIGNS, Simulation, type SimulatedEvent } from '@pmd/generator/src/simulation.ts';
import pg from 'pg';

/**
 * `minutes` of the generator's seeded traffic (the original four campaigns), ending a minute ago, with a share of
 * deliberate re-sends: the same events however often it is called.
 */
export function generatorEvents(seed: number, minutes: number, journeysPerSecond: number): SimulatedEvent[] {
  const start = new Date(Date.now() - (minutes + 1) * 60_000);
  return new Simulation({
    seed,
    start,
    stopAt: new Date(start.getTime() + minutes * 60_000),
    journeysPerSecond,
    campaigns: ORIGINAL_CAMPAIGNS,
    users: 2000,
    duplicates: { fraction: 0.02 },
  }).advanceTo(new Date());
}

/** Every reason the sender gave for a retry (`HTTP 503`, `network error: …`), counted. */
export type RetryReasons = Map<string, number>;

/** The generator's own at-least-once sender with short backoffs (faults last seconds here, not minutes). */
export function fastSender(
  url: string,
  options: Partial<SenderOptions> = {},
): { sender: Sender; retryReasons: RetryReasons } {
  const retryReasons: RetryReasons = new Map();
  const sender = new Sender({
    url,
    batchSize: 50,
    flushIntervalMs: 20,
    concurrency: 4,
    maxBuffered: 400,
    initialBackoffMs: 20,
    maxBackoffMs: 250,
    onRetry: ({ reason }) => {
      const kind = reason.startsWith('network error') ? 'network error' : reason;
      retryReasons.set(kind, (retryReasons.get(kind) ?? 0) + 1);
    },
    ...options,
  });
  return { sender, retryReasons };
}

/** Sends every event through `sender` and waits until each has an answer. */
export async function sendAll(sender: Sender, events: readonly SimulatedEvent[]): Promise<void> {
  for (const event of events) await sender.enqueue(event);
  await sender.close();
}

/** event_id → how many raw_events rows carry it. */
export async function storedEventCounts(databaseUrl: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM raw_events GROUP BY 1',
    );
    return new Map(rows.map((row) => [row.event_id, row.n]));
  } finally {
    await client.end();
  }
}

/**
 * Minute rollup rows that disagree with a brute-force GROUP BY over raw_events (empty when ingest kept them exact,
 * e.g. through a kill in the middle of a batch).
 */
export async function minuteRollupMismatches(databaseUrl: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`
      WITH brute AS (
        SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC') AS minute,
               count(*) FILTER (WHERE event_type = 'ad_impression')::int AS impressions,
               count(*) FILTER (WHERE event_type = 'ad_click')::int AS clicks,
               count(*) FILTER (WHERE event_type = 'signup')::int AS signups,
               count(*) FILTER (WHERE event_type = 'activation')::int AS activations,
               sum(cost) AS total_cost
        FROM raw_events GROUP BY 1, 2, 3
      ),
      stored AS (
        SELECT campaign_id, channel, minute, impressions, clicks, signups, activations, total_cost
        FROM campaign_metrics_minute
      )
      (SELECT 'missing or different' AS problem, * FROM brute EXCEPT SELECT 'missing or different', * FROM stored)
      UNION ALL
      (SELECT 'extra or different', * FROM stored EXCEPT SELECT 'extra or different', * FROM brute)`);
    return rows;
  } finally {
    await client.end();
  }
}
