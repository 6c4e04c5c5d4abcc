import { pino, type Logger } from 'pino';

/**
 * Structured logs for every process: JSON lines in production (LOG_FORMAT=json or NODE_ENV=production),
 * pretty lines for people otherwise. LOG_LEVEL sets the level (default info; silent in tests unless set).
 */
export function createLogger(name: string): Logger {
  const json = process.env.LOG_FORMAT === 'json' || process.env.NODE_ENV === 'production';
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  if (json) return pino({ name, level });
  return pino({
    name,
    level,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

export type { Logger };
