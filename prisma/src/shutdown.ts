import type { Logger } from './logger.ts';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits (0, or 1 when stopping failed or took longer than
 * `timeoutMs`). Every entry point (server, worker) shuts down the same way: finish in-flight work, close
 * connections, stop an embedded database. The timeout matters on Ctrl-C in a terminal: PostgreSQL gets the same
 * SIGINT and may be gone already, and a client library waiting to reconnect must not keep the process alive.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>, timeoutMs = 5_000): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.warn({ timeoutMs }, 'shutdown did not finish in time; exiting anyway');
        process.exit(1);
      }, timeoutMs).unref();
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
