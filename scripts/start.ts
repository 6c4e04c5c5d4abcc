import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `pnpm start`. Ctrl-C in a terminal signals the whole foreground process group, and the embedded PostgreSQL would
 * be in it: it would stop before the services still using it (the generator flushing its buffer, the worker finishing
 * a rollup). So the supervisor runs in a session of its own, with the database, and this process only hands it the
 * signal; the supervisor stops the services first and the database last. Should this process die without passing a
 * signal on, the supervisor notices (see the IPC channel below) and stops everything the same way.
 */
const supervisor = spawn(
  process.execPath,
  [...process.execArgv, fileURLToPath(new URL('./supervisor.ts', import.meta.url))],
  {
    detached: true,
    // The IPC channel closes when this process dies however it dies (even SIGKILL): the supervisor then stops the
    // system instead of running on, orphaned, with its ports.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => supervisor.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
}
supervisor.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
