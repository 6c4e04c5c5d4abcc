import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  /** Every result received so far, with its arrival time. */
  readonly results: { data?: T; errors?: readonly { message: string }[]; at: number }[];
  /** Resolves with the next result not yet taken (waits up to `timeoutMs`). */
  next(timeoutMs?: number): Promise<{ data?: T; errors?: readonly { message: string }[]; at: number }>;
  /** Waits until a received result satisfies `predicate`. */
  until(predicate: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  dispose(): Promise<void>;
}

/** Opens a graphql-ws client (the official one, over `ws`) and collects one subscription's results. */
export function collect<T = any>(wsUrl: string, query: string, variables?: Record<string, unknown>): Collected<T> {
  const client: Client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const results: Collected<T>['results'][number][] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        results.push({ data: (value.data ?? undefined) as T | undefined, errors: value.errors, at: Date.now() });
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
      await client.dispose();
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
