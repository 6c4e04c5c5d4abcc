import { Sender, type SenderOptions } from '@pmd/generator/src/sender.ts';
import { ORIGINAL_CAMPAIGNS, Simulation, type SimulatedEvent } from '@pmd/generator/src/simulation.ts';

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
