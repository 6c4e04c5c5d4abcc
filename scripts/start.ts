import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `pnpm start`. Ctrl-C in a terminal signals the whole foreground process group, and the embedded PostgreSQL would
 * be in it: it would stop before the services still using it (the generator flushing its buffer, the worker finishing
 * a rollup). So the supervisor runs in a session of its own, with the database, and this process only hands it the
 * signal; the supervisor stops the services first and the database last.
 */
const supervisor = spawn(
  process.execPath,
  [...process.execArgv, fileURLToPath(new URL('./supervisor.ts', import.meta.url))],
  {
    detached: true,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => supervisor.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
}
supervisor.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
