import { describe, expect, it } from 'vitest';
import { resolveApiEndpoints } from './api-url.ts';

describe('resolveApiEndpoints', () => {
  it("uses the page's own origin when nothing is configured, whatever its host name and port", () => {
    expect(resolveApiEndpoints(undefined, { protocol: 'http:', host: 'wall-screen.lan:8501' })).toEqual({
      http: 'http://wall-screen.lan:8501/graphql',
      ws: 'ws://wall-screen.lan:8501/graphql',
    });
    expect(resolveApiEndpoints('', { protocol: 'http:', host: '127.0.0.2:8000' }).http).toBe(
      'http://127.0.0.2:8000/graphql',
    );
  });

  it('talks wss to an https page (behind a TLS proxy), on its default port', () => {
    expect(resolveApiEndpoints(undefined, { protocol: 'https:', host: 'dash.example.com' })).toEqual({
      http: 'https://dash.example.com/graphql',
      ws: 'wss://dash.example.com/graphql',
    });
  });

  it('prefers the configured URL and derives a secure websocket URL from https', () => {
    expect(resolveApiEndpoints('https://api.example.com/', { protocol: 'http:', host: 'x' })).toEqual({
      http: 'https://api.example.com/graphql',
      ws: 'wss://api.example.com/graphql',
    });
  });

  it('accepts a configured URL that already names the endpoint', () => {
    expect(resolveApiEndpoints('http://127.0.0.1:4000/graphql', { protocol: 'http:', host: 'x' }).ws).toBe(
      'ws://127.0.0.1:4000/graphql',
    );
  });
});
