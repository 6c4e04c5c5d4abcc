import path from 'node:path';
import { z } from 'zod';
import { canonicalTimeZone, DEFAULT_TIME_ZONE, RETENTION_DAYS, type RetentionSettings } from '@pmd/domain';
import { REPO_ROOT } from './repo-root.ts';

/**
 * The validated environment, shared part. Each process has one config module (server/src/config.ts,
 * worker/src/config.ts, generator/src/config.ts, scripts/config.ts) that parses `process.env` once at start with a zod
 * shape keyed by variable names, built from the helpers below plus this package's own variables (DATABASE_ENV,
 * LOG_ENV), and stops the start with every bad variable named (`configOrExit`). Nothing else reads `process.env`
 * (ESLint's no-restricted-properties keeps it so); `commonConfig()` is the one reader for code that runs in every
 * process (the logger, `openDatabase`).
 */

/** Raw variables, as `process.env` holds them. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** A bad environment: every bad variable with why; the message lists them one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} bad variable${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  ${problem.variable} ${problem.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface ParseEnvOptions<T> {
  /** Cross-variable rules; report with `ctx.addIssue({ code: 'custom', path: [VARIABLE], message })`. */
  refine?: (values: T, ctx: z.RefinementCtx) => void;
  /** Prefixes this process owns: a variable with one of them that the shape lacks is a typo (`WORKER_SWEEP_INTERVAL`). */
  ownedPrefixes?: readonly string[];
  /** Prefixes of variables this process no longer reads, each with why (where the setting lives now). */
  retiredPrefixes?: Readonly<Record<string, string>>;
}

/**
 * Parses the variables of `shape` from `env` (an empty value counts as unset, as `FOO= cmd` means "no FOO").
 * Throws ConfigError naming every bad variable.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: EnvSource,
  { refine, ownedPrefixes = [], retiredPrefixes = {} }: ParseEnvOptions<z.output<z.ZodObject<S>>> = {},
): z.output<z.ZodObject<S>> {
  // A setting that moved elsewhere would be silently ignored if left set: stop and say where it went.
  const retired = Object.keys(env)
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .sort()
    .flatMap((variable) =>
      Object.entries(retiredPrefixes)
        .filter(([prefix]) => variable.startsWith(prefix))
        .map(([, why]) => ({ variable, message: why })),
    );
  const unknown = Object.keys(env)
    .filter((name) => !(name in shape) && ownedPrefixes.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((variable) => ({
      variable,
      message: `is not a known variable (known: ${Object.keys(shape)
        .filter((name) => ownedPrefixes.some((prefix) => name.startsWith(prefix)))
        .join(', ')})`,
    }));
  const input = Object.fromEntries(
    Object.keys(shape).flatMap((name) => (env[name] === undefined || env[name] === '' ? [] : [[name, env[name]]])),
  );
  const schema = refine ? z.object(shape).superRefine(refine) : z.object(shape);
  const result = schema.safeParse(input);
  if (result.success && !unknown.length && !retired.length) return result.data as z.output<z.ZodObject<S>>;
  const problems = (result.error?.issues ?? []).map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message: issue.message,
  }));
  throw new ConfigError([...problems, ...unknown, ...retired]);
}

/** Reads a config once, or (a bad environment) prints which variables are bad and exits 1, without a stack trace. */
export function configOrExit<T>(processName: string, read: () => T): T {
  const exit = (error: unknown): never => {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${processName}: ${error.message}\n`);
    process.exit(1);
  };
  try {
    const value = read();
    // A setting that can only be judged while starting (openDatabase: no DATABASE_URL and no embedded PostgreSQL).
    return (value instanceof Promise ? value.catch(exit) : value) as T;
  } catch (error) {
    return exit(error);
  }
}

// ----- Variable types: each message reads after the variable's name ("PORT must be …, got "x"").

interface NumberRange {
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  above?: number;
  below?: number;
  integer?: boolean;
}

function describeRange({ min, max, above, below, integer }: NumberRange): string {
  const kind = integer ? 'an integer' : 'a number';
  const bounds = [
    min !== undefined ? `≥ ${min}` : above !== undefined ? `> ${above}` : undefined,
    max !== undefined ? `≤ ${max}` : below !== undefined ? `< ${below}` : undefined,
  ].filter(Boolean);
  return bounds.length ? `${kind} ${bounds.join(' and ')}` : kind;
}

/** A number from its text, checked against `range`; `description` names it in the message (default: the range). */
function numberVariable(range: NumberRange, description = describeRange(range)) {
  return z.string().transform((text, ctx) => {
    const value = Number(text.trim());
    const ok =
      text.trim() !== '' &&
      Number.isFinite(value) &&
      (!range.integer || Number.isSafeInteger(value)) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (range.above === undefined || value > range.above) &&
      (range.below === undefined || value < range.below);
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: `must be ${description}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return value;
  });
}

export const envTypes = {
  /** A count: 1, 2, 3, … */
  positiveInteger: () => numberVariable({ integer: true, min: 1 }, 'a positive integer'),
  /** 0, 1, 2, … (0 usually turns something off). */
  nonNegativeInteger: () => numberVariable({ integer: true, min: 0 }, 'a non-negative integer'),
  /** A fraction from 0 to 1. */
  ratio: () => numberVariable({ min: 0, max: 1 }, 'a ratio from 0 to 1'),
  number: (range: NumberRange) => numberVariable(range),
  /** A TCP port (1..65535). */
  port: () => numberVariable({ integer: true, min: 1, max: 65_535 }, 'a port number (1..65535)'),
  /** A URL with one of `protocols` (e.g. `http:`). */
  url: (protocols: readonly string[]) =>
    z.string().refine(
      (text) => {
        try {
          return protocols.includes(new URL(text).protocol);
        } catch {
          return false;
        }
      },
      { error: (issue) => `must be a ${protocols.join(' or ')} URL, got ${JSON.stringify(issue.input)}` },
    ),
  /** An IANA time zone name (`UTC`, `Asia/Kolkata`), in the spelling the platform knows. */
  timeZone: () =>
    z.string().transform((text, ctx) => {
      const zone = canonicalTimeZone(text.trim());
      if (zone === null) {
        ctx.addIssue({
          code: 'custom',
          message: `must be an IANA time zone such as Asia/Kolkata, got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }
      return zone;
    }),
  /** One of `values`. */
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}` }),
  /** A comma list of `values` (blanks ignored, at least one). */
  listOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.string().transform((text, ctx) => {
      const items = text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const unknown = items.filter((item) => !values.includes(item));
      if (unknown.length || !items.length) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a comma list of ${values.join(', ')}, got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }
      return items as T[number][];
    }),
  /** Any non-empty text (secrets, origins, paths). */
  text: () => z.string(),
};

// ----- The variables every process reads.

/** Preferred port of the embedded cluster; any free port is used when it is taken. */
export const DEFAULT_EMBEDDED_PORT = 54329;

/** Where the database is (openDatabase). */
export const DATABASE_ENV = {
  DATABASE_URL: envTypes.url(['postgres:', 'postgresql:']).optional(),
  EMBEDDED_PG_DIR: envTypes.text().default(path.join(REPO_ROOT, '.data', 'postgres')),
  EMBEDDED_PG_PORT: envTypes.port().default(DEFAULT_EMBEDDED_PORT),
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How logs look (createLogger). */
export const LOG_ENV = {
  LOG_FORMAT: envTypes.oneOf(['pretty', 'json']).optional(),
  LOG_LEVEL: envTypes.oneOf(LOG_LEVELS).optional(),
  NODE_ENV: envTypes.oneOf(['development', 'production', 'test']).optional(),
  /** Set by vitest in its workers: logs default to silent. */
  VITEST: envTypes.text().optional(),
};

export const COMMON_ENV = { ...DATABASE_ENV, ...LOG_ENV };

/**
 * The zone of "today" and of day buckets when a request names none: the server's reads and the worker's target rules
 * (a daily budget's day) must agree on it, so both processes read it from here.
 */
export const REPORTING_ENV = {
  REPORTING_TIME_ZONE: envTypes.timeZone().default(DEFAULT_TIME_ZONE),
};
/**
 * How long raw events and minute rows are kept (unset: forever). The worker drops and trims by them, the server refuses
 * older events and says where a window reaches past them: both processes read them from here (`@pmd/domain`'s
 * retention horizons turn them into instants). Should two processes' values differ, what the worker removed wins: it
 * records it in `retention_horizons` and servers read that (server/src/services/retention-in-force.ts).
 */
export const RETENTION_ENV = {
  RAW_EVENTS_RETENTION_DAYS: envTypes.number({ integer: true, min: 1, max: RETENTION_DAYS }).optional(),
  MINUTE_ROWS_RETENTION_DAYS: envTypes.number({ integer: true, min: 1, max: RETENTION_DAYS }).optional(),
};

export function retentionFrom(values: z.output<z.ZodObject<typeof RETENTION_ENV>>): RetentionSettings {
  return { rawEventsDays: values.RAW_EVENTS_RETENTION_DAYS, minuteRowsDays: values.MINUTE_ROWS_RETENTION_DAYS };
}
export const COMMON_ENV_VARIABLES = Object.keys(COMMON_ENV);

export interface DatabaseConfig {
  /** The configured PostgreSQL; unset: an embedded one in `embeddedDir`, preferably on `embeddedPort`. */
  url: string | undefined;
  embeddedDir: string;
  embeddedPort: number;
}

export interface LogConfig {
  format: 'pretty' | 'json';
  level: (typeof LOG_LEVELS)[number];
  production: boolean;
}

export interface CommonConfig {
  database: DatabaseConfig;
  log: LogConfig;
}

/** The logger's settings, from values parsed with LOG_ENV. */
export function logConfigFrom(values: z.output<z.ZodObject<typeof LOG_ENV>>): LogConfig {
  const production = values.NODE_ENV === 'production';
  return {
    format: values.LOG_FORMAT ?? (production ? 'json' : 'pretty'),
    level: values.LOG_LEVEL ?? (values.VITEST ? 'silent' : 'info'),
    production,
  };
}

/** The shared part of a process's config, from values parsed with COMMON_ENV. */
export function commonConfigFrom(values: z.output<z.ZodObject<typeof COMMON_ENV>>): CommonConfig {
  return {
    database: { url: values.DATABASE_URL, embeddedDir: values.EMBEDDED_PG_DIR, embeddedPort: values.EMBEDDED_PG_PORT },
    log: logConfigFrom(values),
  };
}

export function readCommonConfig(env: EnvSource): CommonConfig {
  return commonConfigFrom(parseEnv(COMMON_ENV, env));
}

let common: CommonConfig | undefined;

/**
 * The shared variables of this process, parsed once. Entry points validate them first (each process config includes
 * COMMON_ENV), so by the time a logger or database is made, this cannot fail.
 */
export function commonConfig(): CommonConfig {
  // eslint-disable-next-line no-restricted-properties -- the shared config module
  common ??= readCommonConfig(process.env);
  return common;
}
