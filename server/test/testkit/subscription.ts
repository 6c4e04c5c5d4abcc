import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  /** Every result received so far, with its arrival time. */
  readonly results: CollectedResult<T>[];
  /** Resolves with the next result not yet taken (waits up to `timeoutMs`). */
  next(timeoutMs?: number): Promise<CollectedResult<T>>;
  /** Waits until a received result satisfies `predicate`. */
  until(predicate: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  dispose(): Promise<void>;
}

export interface CollectedResult<T> {
  data?: T;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  at: number;
}

/** A graphql-ws client (the official one, over `ws`) on one websocket, for several subscriptions on it. */
export function wsClient(wsUrl: string): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/**
 * Collects one subscription's results, on a websocket of its own (given a URL) or on `connection` (given a client
 * from `wsClient`, which `dispose` then leaves open).
 */
export function collect<T = any>(
  connection: string | Client,
  query: string,
  variables?: Record<string, unknown>,
): Collected<T> {
  const client = typeof connection === 'string' ? wsClient(connection) : connection;
  const results: Collected<T>['results'][number][] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        results.push({
          data: (value.data ?? undefined) as T | undefined,
          errors: value.errors as CollectedResult<T>['errors'],
          at: Date.now(),
        });
        wake?.();
      },
      error: (error) => {
        failure = error;
        wake?.();
      },
      complete: () => wake?.(),
    },
  );
  async function waitFor<R>(take: () => R | undefined, timeoutMs: number, what: string): Promise<R> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const value = take();
      if (value !== undefined) return value;
      if (failure) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(results)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  return {
    results,
    next: (timeoutMs = 10_000) =>
      waitFor(() => (taken < results.length ? results[taken++] : undefined), timeoutMs, 'the next result'),
    until: (predicate, timeoutMs = 10_000) =>
      waitFor(
        () => {
          while (taken < results.length) {
            const result = results[taken++]!;
            if (result.data !== undefined && predicate(result.data)) return result.data;
          }
          return undefined;
        },
        timeoutMs,
        'a matching result',
      ),
    dispose: async () => {
      unsubscribe();
      if (typeof connection === 'string') await client.dispose();
    },
  };
}

/**
 * graphql-ws subscribes asynchronously: nothing tells the client when the server's stream is in place. This sends a
 * probe (e.g. a NOTIFY) every 200 ms until the subscription shows it, so what the test does next is surely seen.
 */
export async function primeSubscription<T>(
  subscription: Collected<T>,
  sendProbe: () => Promise<unknown>,
  isProbe: (data: T) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  let done = false;
  const probing = (async () => {
    while (!done) {
      await sendProbe();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  try {
    await subscription.until(isProbe, timeoutMs);
  } finally {
    done = true;
    await probing;
  }
}
