import { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';

/** One JSON log line as an operator's log collector would read it (level by name, message in `msg`). */
export interface CapturedLine {
  level: Level;
  msg: string;
  [field: string]: unknown;
}

/**
 * A logger at `level` that keeps its lines in memory, parsed: tests assert what a process logs at the level it runs
 * at (LOG_LEVEL), not what its code calls.
 */
export function capturedLogger(name: string, level: Level = 'info'): { log: Logger; lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as CapturedLine);
      done();
    },
  });
  const log = pino({ name, level, formatters: { level: (label) => ({ level: label }) } }, sink);
  return { log, lines };
}
