import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@pmd/db';
import { waitFor } from './jobs.ts';

/** One JSON log line of any process of the system (pino: `name` is the process, `msg` the message). */
export type LogLine = Record<string, unknown> & { name?: string; msg?: string };

/** `pnpm start` (scripts/start.ts, the real launcher and supervisor) running in a process group of its own. */
export interface SystemProcess {
  readonly child: ChildProcess;
  /** Every JSON log line written so far, in order. */
  logs(): LogLine[];
  /** The log lines so far whose fields equal those of `match`. */
  logsLike(match: LogLine): LogLine[];
  /** Waits until `count` log lines are like `match`, and returns them all. */
  waitForLogs(match: LogLine, count: number, timeoutMs?: number): Promise<LogLine[]>;
  /** Ctrl-C as a terminal sends it (to the whole foreground group); resolves once the launcher exited. */
  interrupt(): Promise<void>;
  /** Last resort for a failed test: SIGKILL to the launcher's group and to every service group the supervisor led. */
  kill(): void;
}

/** Lines of the system's stderr a failed wait reports (the end of a stack trace fits). */
const STDERR_LINES_KEPT = 40;

export function startSystem(env: Record<string, string>): SystemProcess {
  const child = spawn('pnpm', ['start'], {
    cwd: REPO_ROOT,
    // JSON logs at info: the supervisor's and the generator's messages are what the tests read.
    env: { ...process.env, VITEST: '', DATABASE_URL: '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line (pnpm's own output)
      }
    }
  });
  // Not JSON: an uncaught exception's stack, pnpm's and Node's warnings. Kept for a failed wait's message.
  const stderrLines: string[] = [];
  let stderrPartial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const complete = (stderrPartial + chunk.toString()).split('\n');
    stderrPartial = complete.pop()!;
    stderrLines.push(...complete.filter(Boolean));
    stderrLines.splice(0, stderrLines.length - STDERR_LINES_KEPT);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logsLike = (match: LogLine) =>
    lines.filter((line) => Object.entries(match).every(([key, value]) => line[key] === value));
  return {
    child,
    logs: () => lines,
    logsLike,
    waitForLogs: (match, count, timeoutMs = 60_000) =>
      waitFor(
        `${count} log lines like ${JSON.stringify(match)}`,
        async () => (logsLike(match).length >= count ? logsLike(match) : undefined),
        timeoutMs,
        100,
      ).catch((error: Error) => {
        // What the process named in `match` (else the launcher) said last: the reason is usually there.
        const said = lines.filter((line) => line.name === (match.name ?? 'start')).slice(-20);
        error.message += `\nits last log lines:\n${said.map((line) => JSON.stringify(line)).join('\n')}`;
        if (stderrLines.length) error.message += `\nthe system's last stderr lines:\n${stderrLines.join('\n')}`;
        throw error;
      }),
    interrupt: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
      await exited;
    },
    kill: () => {
      const groups = [child.pid!, ...logsLike({ msg: 'service started' }).map((line) => line.pid)];
      for (const group of groups) {
        try {
          process.kill(-Number(group), 'SIGKILL');
        } catch {
          // gone already
        }
      }
    },
  };
}

/**
 * The process running a service's built entry point (`node … dist/index.js`, `dist/cli.js`) inside the process group
 * the supervisor started it in: the group's leader, unless the service spawned helpers of its own. SIGKILLing it is the
 * service crashing.
 */
export function serviceEntryPid(pgid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of stat is the process group; the command name in field 2 may contain spaces, hence the split at ')'.
      const group = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
      if (group !== pgid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const isNode = path.basename(argv[0] ?? '') === 'node';
      if (isNode && argv.some((arg) => /^dist\/\w+\.js$/.test(arg))) {
        return Number(entry);
      }
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** True while any process of the group led by `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
