import type { Logger } from './logger.ts';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits (0, or 1 when stopping failed). Every entry point
 * (server, worker) shuts down the same way: finish in-flight work, close connections, stop an embedded database.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
