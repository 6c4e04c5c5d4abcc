import { DEFAULT_HEALTH_THRESHOLDS } from '@pmd/db';

/** Server settings, read once from the environment. */
export interface ServerConfig {
  port: number;
  /** When set, ingest (GraphQL and REST) requires `Authorization: Bearer <token>`. */
  ingestToken: string | undefined;
  /** Origin allowed by CORS (the dashboard). */
  corsOrigin: string;
  /** "At Risk" thresholds of breakdown rows (HEALTH_MIN_CTR, HEALTH_MIN_SIGNUP_TO_ACTIVATION). */
  healthThresholds: typeof DEFAULT_HEALTH_THRESHOLDS;
}

export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: Number(env.PORT ?? 8000),
    ingestToken: env.INGEST_TOKEN || undefined,
    corsOrigin: env.CORS_ORIGIN ?? '*',
    healthThresholds: {
      minCtr: Number(env.HEALTH_MIN_CTR ?? DEFAULT_HEALTH_THRESHOLDS.minCtr),
      minSignupToActivation: Number(env.HEALTH_MIN_SIGNUP_TO_ACTIVATION ?? DEFAULT_HEALTH_THRESHOLDS.minSignupToActivation),
    },
  };
}
