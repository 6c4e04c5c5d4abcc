import type { Logger } from '@pmd/db';
import type { Metrics } from './metrics.ts';

/** Latencies kept per summary for its p95; past this many, a uniform sample of them (reservoir sampling). */
const MAX_LATENCY_SAMPLES = 10_000;

const INGEST_RESULTS = ['stored', 'duplicate', 'rejected'] as const;
type IngestResult = (typeof INGEST_RESULTS)[number];

export interface TrafficSummary {
  /** One answered request, by status class (`2xx`…); probes (/metrics, /health) are not traffic: leave them out. */
  record(statusClass: string, seconds: number): void;
  /** Logs what is left and disarms the timer. */
  stop(): Promise<void>;
}

/**
 * One info line per `intervalMs` of traffic instead of one per request (those are debug): requests by status class,
 * their p95 latency, events ingested by result and the open subscriptions. The timer is armed by the first request
 * after a summary, so an idle process logs nothing and never wakes up for it.
 */
export function createTrafficSummary(options: { log: Logger; metrics: Metrics; intervalMs: number }): TrafficSummary {
  const { log, metrics, intervalMs } = options;
  let byStatusClass: Record<string, number> = {};
  let latencies: number[] = [];
  let requests = 0;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  // The ingest figures are the counters /metrics exposes (one definition), read as differences between summaries;
  // `metrics` is this app's own, so they start at 0.
  let ingestedBefore: Record<IngestResult, number> = { stored: 0, duplicate: 0, rejected: 0 };

  /** Logs the summary of what was recorded since the last one. */
  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (requests === 0) return;
    // Taken before any await: a request answered meanwhile belongs to the next summary.
    const taken = { seconds: Math.round((Date.now() - since) / 1000), requests, byStatusClass, latencies };
    byStatusClass = {};
    latencies = [];
    requests = 0;
    const ingestedNow = await ingestTotals(metrics);
    const events = Object.fromEntries(
      INGEST_RESULTS.map((result) => [result, ingestedNow[result] - ingestedBefore[result]]),
    );
    ingestedBefore = ingestedNow;
    log.info(
      {
        seconds: taken.seconds,
        requests: taken.requests,
        byStatusClass: taken.byStatusClass,
        p95Ms: Math.round(percentile(taken.latencies, 0.95) * 1000),
        events,
        subscriptions: (await metrics.activeSubscriptions.get()).values[0]?.value ?? 0,
      },
      'traffic',
    );
  }

  return {
    record(statusClass, seconds) {
      requests += 1;
      byStatusClass[statusClass] = (byStatusClass[statusClass] ?? 0) + 1;
      if (latencies.length < MAX_LATENCY_SAMPLES) latencies.push(seconds);
      else {
        const slot = Math.floor(Math.random() * requests);
        if (slot < MAX_LATENCY_SAMPLES) latencies[slot] = seconds;
      }
      if (!timer) {
        since = Date.now();
        timer = setTimeout(
          () => void flush().catch((error) => log.warn({ err: error }, 'traffic summary failed')),
          intervalMs,
        );
        timer.unref();
      }
    },
    async stop() {
      if (timer) await flush();
    },
  };
}

async function ingestTotals(metrics: Metrics): Promise<Record<IngestResult, number>> {
  const { values } = await metrics.ingestEvents.get();
  const totals = { stored: 0, duplicate: 0, rejected: 0 };
  for (const { labels, value } of values) {
    if (INGEST_RESULTS.includes(labels.result as IngestResult)) totals[labels.result as IngestResult] += value;
  }
  return totals;
}

/** The nearest-rank percentile `p` (0..1) of `values`; 0 when there are none. */
function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}
