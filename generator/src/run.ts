import type { Logger } from '@pmd/db/logger';
import cliProgress from 'cli-progress';
import type { GeneratorOptions } from './options.ts';
import { Sender, type SenderStats } from './sender.ts';
import { ORIGINAL_CAMPAIGNS, Simulation, syntheticCampaigns, type SimulationOptions } from './simulation.ts';

export interface RunSummary extends SenderStats {
  /** Distinct events generated (re-sends of the duplicates scenario not included). */
  generated: number;
  /** Deliberate re-sends (duplicates scenario). */
  resent: number;
  seconds: number;
}

/** What a run needs besides its options: a logger and a way to be told to stop (Ctrl-C). */
export interface RunContext {
  log: Logger;
  stopSignal: AbortSignal;
}

export function simulationOptions(options: GeneratorOptions, start: Date, backfill: boolean): SimulationOptions {
  return {
    seed: options.seed,
    start,
    journeysPerSecond: backfill ? options.backfillRate : options.rate,
    campaigns: [...ORIGINAL_CAMPAIGNS, ...syntheticCampaigns(options.extraCampaigns, options.seed)],
    users: options.users,
    diurnal: backfill,
    ctrDrop: options.scenarios.has('ctr-drop')
      ? {
          campaignId: options.ctrDropCampaign,
          ctrFactor: options.ctrDropFactor,
          clickToSignupFactor: options.ctrDropSignupFactor,
          phaseMs: options.ctrDropPhaseMs,
        }
      : undefined,
    late: options.scenarios.has('late')
      ? { fraction: options.lateFraction, minDelayMs: 60_000, maxDelayMs: Math.max(60_000, options.lateMaxMs) }
      : undefined,
    duplicates: options.scenarios.has('duplicates') ? { fraction: options.duplicateFraction } : undefined,
  };
}

function createSender(options: GeneratorOptions, log: Logger): Sender {
  let loggedRejections = 0;
  return new Sender({
    url: options.url,
    token: options.token,
    batchSize: options.batchSize,
    flushIntervalMs: options.flushIntervalMs,
    concurrency: options.concurrency,
    maxBuffered: options.maxBuffered,
    onRejected: (rejected) => {
      // Every rejection is counted; the first ones are logged in full, then every hundredth, to keep logs readable.
      if (loggedRejections++ < 20 || loggedRejections % 100 === 0) log.warn(rejected, 'event rejected by the API');
    },
    onRetry: (retry) => log.warn(retry, 'delivery failed; retrying'),
  });
}

/** Live traffic in real time until the duration ends or the stop signal fires; then flushes. */
export async function runLive(options: GeneratorOptions, { log, stopSignal }: RunContext): Promise<RunSummary> {
  const started = Date.now();
  const simulation = new Simulation(simulationOptions(options, new Date(started), false));
  const sender = createSender(options, log);
  const counts = { generated: 0, resent: 0 };
  let last = { at: started, generated: 0 };
  const status = setInterval(() => {
    const now = Date.now();
    const rate = ((counts.generated - last.generated) * 1000) / (now - last.at);
    last = { at: now, generated: counts.generated };
    log.info({ ...counts, ...sender.stats, eventsPerSecond: Math.round(rate * 10) / 10 }, 'status');
  }, options.statusIntervalMs);
  try {
    while (!stopSignal.aborted) {
      const now = Date.now();
      if (options.durationMs && now - started >= options.durationMs) break;
      for (const event of simulation.advanceTo(new Date(now))) {
        if (event.resend) counts.resent++;
        else counts.generated++;
        await sender.enqueue(event);
      }
      await sleep(100, stopSignal);
    }
    await sender.close();
  } finally {
    clearInterval(status);
  }
  return { ...counts, ...sender.stats, seconds: (Date.now() - started) / 1000 };
}

/** `--backfill`: history from now − backfillMs to now, as fast as the API takes it, with a progress bar. */
export async function runBackfill(options: GeneratorOptions, { log, stopSignal }: RunContext): Promise<RunSummary> {
  const started = Date.now();
  const end = started;
  const simulation = new Simulation({
    ...simulationOptions(options, new Date(end - options.backfillMs), true),
    stopAt: new Date(end),
  });
  const sender = createSender(options, log);
  const counts = { generated: 0, resent: 0 };
  const stepMs = 60_000;
  const steps = Math.ceil(options.backfillMs / stepMs);
  const bar = new cliProgress.SingleBar(
    {
      format: 'backfill |{bar}| {percentage}% | {day} | {events} events | {rate} ev/s | ETA {eta_formatted}',
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(steps, 0, { day: '', events: 0, rate: 0 });
  try {
    for (let step = 1; step <= steps && !stopSignal.aborted; step++) {
      const until = Math.min(end, end - options.backfillMs + step * stepMs);
      for (const event of simulation.advanceTo(new Date(until))) {
        if (event.resend) counts.resent++;
        else counts.generated++;
        await sender.enqueue(event);
      }
      const seconds = (Date.now() - started) / 1000;
      bar.update(step, {
        day: new Date(until).toISOString().slice(0, 16).replace('T', ' '),
        events: counts.generated,
        rate: Math.round(sender.stats.sent / Math.max(seconds, 0.001)),
      });
    }
    await sender.close();
  } finally {
    bar.stop();
  }
  return { ...counts, ...sender.stats, seconds: (Date.now() - started) / 1000 };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
