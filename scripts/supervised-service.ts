import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type Logger } from '@pmd/db';
import { createRestartPolicy, DEFAULT_RESTART_POLICY } from './restart-policy.ts';

export interface ServiceDefinition {
  name: string;
  /** Package folder the service runs in. */
  dir: string;
  /** Arguments of `node` (service-command.ts). */
  nodeArgs: string[];
  /** Starts only after the API answers /health. */
  afterApi?: boolean;
}

export interface SupervisedService {
  readonly definition: ServiceDefinition;
  /** Stops the service, and a restart still pending, and waits until every process of it is gone. */
  stop(): Promise<void>;
}

/**
 * Runs a service (`node` with its arguments, in its package folder) and keeps it running: when it dies without being asked to, it is started again
 * after a pause that grows with each crash in a row (restart-policy.ts). A crash loop is given up on, loudly, and the
 * service stays down while the rest of the system runs on without it. Exit code 0 means the service finished its work
 * (the generator with GENERATOR_DURATION) and is not restarted.
 */
export function superviseService(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv,
  log: Logger,
): SupervisedService {
  const service = definition.name;
  const policy = createRestartPolicy();
  let stopping = false;
  /** Process group of the current run; each run leads its own, so stopping it stops whatever it spawned too. */
  let pgid: number | undefined;
  let pendingRestart: NodeJS.Timeout | undefined;

  function launch(): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, definition.nodeArgs, {
      cwd: path.join(REPO_ROOT, definition.dir),
      env,
      stdio: 'inherit',
      detached: true,
    });
    const group = child.pid!;
    pgid = group;
    log.info({ service, pid: group }, 'service started');
    child.once('exit', (code, signal) => void afterExit(group, startedAt, code, signal));
  }

  async function afterExit(group: number, startedAt: number, code: number | null, signal: string | null) {
    if (stopping) return;
    // The service may be gone while a process it spawned lives on, holding the port the next run needs.
    await stopGroup(group);
    if (stopping) return;
    pgid = undefined;
    if (code === 0) {
      log.info({ service }, 'service finished');
      return;
    }
    const decision = policy.crashed(startedAt, Date.now());
    if (!decision.restart) {
      log.error(
        { service, code, signal, crashes: decision.crashesInWindow, withinMs: DEFAULT_RESTART_POLICY.crashWindowMs },
        'service keeps crashing; gave up restarting it (the other services keep running)',
      );
      return;
    }
    log.warn({ service, code, signal, restartInMs: decision.delayMs }, 'service exited; restarting it');
    pendingRestart = setTimeout(() => {
      pendingRestart = undefined;
      if (!stopping) launch();
    }, decision.delayMs);
  }

  launch();
  return {
    definition,
    async stop() {
      stopping = true;
      clearTimeout(pendingRestart);
      if (pgid !== undefined) await stopGroup(pgid);
    },
  };
}

/** Sends `signal` (0: none, a probe) to the group led by `pgid`; false when no process of it is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to a whole process group, then waits until every process in it is gone (SIGKILL after 10 s). */
async function stopGroup(pgid: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + 10_000;
  while (signalGroup(pgid, 0)) {
    if (Date.now() > deadline) signalGroup(pgid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
