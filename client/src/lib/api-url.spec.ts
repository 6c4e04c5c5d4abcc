import { describe, expect, it } from 'vitest';
import { resolveApiEndpoints } from './api-url.ts';

describe('resolveApiEndpoints', () => {
  it('uses port 8000 of the serving host when nothing is configured', () => {
    expect(resolveApiEndpoints(undefined, { protocol: 'http:', hostname: 'wall-screen.lan' })).toEqual({
      http: 'http://wall-screen.lan:8000/graphql',
      ws: 'ws://wall-screen.lan:8000/graphql',
    });
  });

  it('uses the configured API port on the serving host', () => {
    expect(resolveApiEndpoints('', { protocol: 'http:', hostname: '10.0.0.5' }, '9000').http).toBe(
      'http://10.0.0.5:9000/graphql',
    );
  });

  it('prefers the configured URL and derives a secure websocket URL from https', () => {
    expect(resolveApiEndpoints('https://api.example.com/', { protocol: 'http:', hostname: 'x' })).toEqual({
      http: 'https://api.example.com/graphql',
      ws: 'wss://api.example.com/graphql',
    });
  });

  it('accepts a configured URL that already names the endpoint', () => {
    expect(resolveApiEndpoints('http://127.0.0.1:4000/graphql', { protocol: 'http:', hostname: 'x' }).ws).toBe(
      'ws://127.0.0.1:4000/graphql',
    );
  });
});
