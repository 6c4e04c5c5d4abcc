export interface ApiEndpoints {
  /** GraphQL over HTTP, e.g. https://dash.example.com/graphql */
  http: string;
  /** GraphQL over websockets (graphql-ws), e.g. wss://dash.example.com/graphql */
  ws: string;
}

/**
 * Where the API lives: the build-time VITE_API_URL when given, else the origin that served the dashboard (the API
 * serves it, and the Vite dev server proxies to the API), so one build works under any host name, port or proxy.
 */
export function resolveApiEndpoints(
  configured: string | undefined,
  location: Pick<Location, 'protocol' | 'host'>,
): ApiEndpoints {
  const base = configured?.trim() ? configured.trim().replace(/\/+$/, '') : `${location.protocol}//${location.host}`;
  const http = base.endsWith('/graphql') ? base : `${base}/graphql`;
  // http → ws, https → wss.
  return { http, ws: http.replace(/^http/, 'ws') };
}
