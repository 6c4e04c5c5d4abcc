import type { GraphiQLOptions } from 'graphql-yoga';
import type { ServerConfig } from './config.ts';

/**
 * What GraphiQL opens with, so an analyst can press Run at once: a real query of our schema that returns data (the
 * overview KPIs of the last hour) and, when reads need READ_TOKEN, the header it takes. The header holds a
 * placeholder, never the token itself: the page is public (server/src/door/front-door.ts). The query is untagged (no
 * GraphQL comment tag): the formatter would indent it, and GraphiQL shows the text exactly as it is.
 */
export const GRAPHIQL_EXAMPLE_QUERY = `# The overview KPIs of the last hour, against the hour before.
# Run it with the ▶ button (Ctrl-Enter); the Docs pane lists every query, mutation and subscription.
query GraphiQLExample {
  overview(window: { lastMinutes: 60 }) {
    __typename
    ... on Overview {
      current {
        impressions
        clicks
        signups
        activations
        ctr
        spend
      }
      previous {
        impressions
        clicks
      }
    }
    ... on InvalidArgumentError {
      message
    }
  }
}
`;

/** Text of the headers pane when the server has a READ_TOKEN: the analyst replaces the placeholder. */
export const READ_TOKEN_HEADER_PLACEHOLDER = JSON.stringify({ Authorization: 'Bearer <READ_TOKEN>' }, null, 2);

export function graphiqlOptions(config: Pick<ServerConfig, 'readToken'>): GraphiQLOptions {
  return {
    title: 'perf-mktg-dash GraphQL',
    subscriptionsProtocol: 'WS',
    defaultQuery: GRAPHIQL_EXAMPLE_QUERY,
    ...(config.readToken ? { headers: READ_TOKEN_HEADER_PLACEHOLDER } : {}),
  };
}
