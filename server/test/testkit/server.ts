import { useTestDatabase } from '@pmd/db/testing';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App, type BuildAppOptions } from '../../src/app.ts';

export interface RunningServer {
  app: App;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** e.g. ws://127.0.0.1:41234/graphql */
  wsUrl: string;
  databaseUrl: string;
}

/**
 * A real server on a free port over this test file's own database, for the whole file.
 * Usage: `const server = useTestServer();` then `server.current.baseUrl` inside tests.
 */
export function useTestServer(options: Omit<BuildAppOptions, 'databaseUrl'> = {}): { readonly current: RunningServer } {
  const database = useTestDatabase();
  let running: RunningServer | undefined;
  beforeAll(async () => {
    const app = buildApp({ ...options, databaseUrl: database.url });
    const port = await app.start(0);
    running = {
      app,
      baseUrl: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}/graphql`,
      databaseUrl: database.url,
    };
  });
  afterAll(async () => {
    await running?.app.stop();
  });
  return {
    get current() {
      if (!running) throw new Error('useTestServer(): the server runs only inside tests and hooks');
      return running;
    },
  };
}

/** POSTs a GraphQL operation and returns the parsed body. */
export async function graphql<T = any>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
}

/** `ingestEvents` with every field of its result, for the ingest tests of both doors. */
export const INGEST = /* GraphQL */ `
  mutation Ingest($events: [EventInput!]!) {
    ingestEvents(events: $events) {
      __typename
      ... on IngestResult {
        received
        stored
        duplicates
        rejected {
          index
          eventId
          reasons
        }
      }
      ... on BatchTooLargeError {
        message
        maxBatchSize
        received
      }
    }
  }
`;
