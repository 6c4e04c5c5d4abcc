import { pino, type Logger } from 'pino';
import { commonConfig, type LogConfig } from './env.ts';

/**
 * Structured logs for every process: JSON lines in production (LOG_FORMAT=json or NODE_ENV=production),
 * pretty lines for people otherwise. LOG_LEVEL sets the level (default info; silent in tests unless set).
 */
export function createLogger(name: string, config: LogConfig = commonConfig().log): Logger {
  const { level } = config;
  if (config.format === 'json') return pino({ name, level });
  return pino({
    name,
    level,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    },
  });
}

export type { Logger };
