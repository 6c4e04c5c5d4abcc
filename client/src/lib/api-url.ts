export interface ApiEndpoints {
  /** GraphQL over HTTP, e.g. http://localhost:8000/graphql */
  http: string;
  /** GraphQL over websockets (graphql-ws), e.g. ws://localhost:8000/graphql */
  ws: string;
}

/**
 * Where the API lives: the build-time VITE_API_URL when given, else the API's port (8000 unless configured) on the
 * host that served the dashboard (so one build works on localhost, a LAN address or a wall screen's kiosk alike).
 */
export function resolveApiEndpoints(
  configured: string | undefined,
  location: Pick<Location, 'protocol' | 'hostname'>,
  port?: string,
): ApiEndpoints {
  const base = configured?.trim()
    ? configured.trim().replace(/\/+$/, '')
    : `${location.protocol}//${location.hostname}:${port?.trim() || '8000'}`;
  const http = base.endsWith('/graphql') ? base : `${base}/graphql`;
  return { http, ws: http.replace(/^http/, 'ws') };
}
