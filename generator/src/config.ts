import { envTypes, LOG_ENV, parseEnv, type EnvSource } from '@pmd/db/env';
import { parseDuration, SCENARIOS } from './options.ts';

/**
 * The generator's environment (flags win over it; see options.ts). The root README's table lists each variable;
 * scripts/env-table.spec.ts checks both ways. Only the logger's shared variables: the generator opens no database.
 */
export const GENERATOR_ENV = {
  ...LOG_ENV,
  API_URL: envTypes.url(['http:', 'https:']).optional(),
  INGEST_TOKEN: envTypes.text().optional(),
  GENERATOR_RATE: envTypes.number({ min: 0.001 }).optional(),
  GENERATOR_DURATION: envTypes
    .text()
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration such as 90s, 10m, 2h, got ${JSON.stringify(text)}`,
        });
        return 0;
      }
    })
    .optional(),
  GENERATOR_CAMPAIGNS: envTypes.number({ integer: true, min: 0, max: 10_000 }).optional(),
  GENERATOR_SEED: envTypes.number({ integer: true, min: 0, max: 0xffff_ffff }).optional(),
  GENERATOR_SCENARIOS: envTypes.listOf(SCENARIOS).optional(),
};
export const GENERATOR_ENV_VARIABLES = Object.keys(GENERATOR_ENV);

export type GeneratorEnv = ReturnType<typeof readGeneratorEnv>;

/** Parses the generator's variables from `env`; throws ConfigError naming every bad one. */
export function readGeneratorEnv(env: EnvSource) {
  return parseEnv(GENERATOR_ENV, env, { ownedPrefixes: ['GENERATOR_'] });
}

let parsed: GeneratorEnv | undefined;

/** This process's generator variables, parsed once (cli.ts parses them before anything else). */
export function generatorEnv(): GeneratorEnv {
  // eslint-disable-next-line no-restricted-properties -- the generator's config module
  parsed ??= readGeneratorEnv(process.env);
  return parsed;
}
