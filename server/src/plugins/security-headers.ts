import type { Plugin } from 'graphql-yoga';

/** Conservative security headers on every HTTP response (the API serves JSON, plus GraphiQL's page). */
export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      response.headers.set('x-content-type-options', 'nosniff');
      response.headers.set('x-frame-options', 'DENY');
      response.headers.set('referrer-policy', 'no-referrer');
      response.headers.set('cross-origin-opener-policy', 'same-origin');
      response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    },
  };
}
