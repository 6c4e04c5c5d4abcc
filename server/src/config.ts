/** Server settings, read once from the environment. */
export interface ServerConfig {
  port: number;
  /** When set, ingest (GraphQL and REST) requires `Authorization: Bearer <token>`. */
  ingestToken: string | undefined;
  /** Origin allowed by CORS (the dashboard). */
  corsOrigin: string;
}

export function readServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: Number(env.PORT ?? 8000),
    ingestToken: env.INGEST_TOKEN || undefined,
    corsOrigin: env.CORS_ORIGIN ?? '*',
  };
}
