import { COMMON_ENV, commonConfigFrom, envTypes, parseEnv, type CommonConfig, type EnvSource } from '@pmd/db/env';

export const SERVICES = ['server', 'worker', 'generator'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * The environment of `pnpm start` (the supervisor). The services read their own variables and validate them at their
 * own start; the supervisor hands them its whole environment (with DATABASE_URL, PORT, API_URL and DASHBOARD_PORT
 * settled). The root README's table lists each variable; scripts/env-table.spec.ts checks both ways.
 */
export const START_ENV = {
  ...COMMON_ENV,
  PORT: envTypes.port().default(8000),
  /** The server serves the dashboard on PORT and, for the original's bookmarks, on this port too. */
  DASHBOARD_PORT: envTypes.port().default(8501),
  API_URL: envTypes.url(['http:', 'https:']).optional(),
  START_GENERATOR: envTypes.oneOf(['0', '1']).default('1'),
  START_SERVICES: envTypes.listOf(SERVICES).optional(),
};
export const START_ENV_VARIABLES = Object.keys(START_ENV);

export interface StartConfig extends CommonConfig {
  apiPort: number;
  apiUrl: string;
  dashboardPort: number;
  /** The services to run, in start order. */
  services: ServiceName[];
  /** Passed on to every service (which validates what it reads). */
  inherited: EnvSource;
}

/** Parses the supervisor's variables from `env`; throws ConfigError naming every bad one. */
export function readStartConfig(env: EnvSource): StartConfig {
  const values = parseEnv(START_ENV, env, { ownedPrefixes: ['START_'] });
  const services = values.START_SERVICES
    ? SERVICES.filter((name) => values.START_SERVICES!.includes(name))
    : SERVICES.filter((name) => !(name === 'generator' && values.START_GENERATOR === '0'));
  return {
    ...commonConfigFrom(values),
    apiPort: values.PORT,
    apiUrl: values.API_URL ?? `http://localhost:${values.PORT}`,
    dashboardPort: values.DASHBOARD_PORT,
    services,
    inherited: env,
  };
}

/** This process's start config, parsed once. */
export function startConfig(): StartConfig {
  // eslint-disable-next-line no-restricted-properties -- the supervisor's config module
  return readStartConfig(process.env);
}
