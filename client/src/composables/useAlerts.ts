import type { ResultOf } from '@graphql-typed-document-node/core';
import { useQuery, useSubscription } from '@urql/vue';
import { computed } from 'vue';
import { graphql } from '@/gql';
import { mergeAlerts } from '@/lib/alerts.ts';
import { useLiveStatus } from './useLiveStatus.ts';

const ActiveAlertsQuery = graphql(/* GraphQL */ `
  query ActiveAlerts($first: Int!) {
    alerts(status: [PENDING, FIRING, ACKNOWLEDGED], first: $first) {
      totalCount
      edges {
        node {
          id
          status
          triggeredAt
          resolvedAt
          updatedAt
          ...AlertListItem_Alert
        }
      }
    }
  }
`);

const ResolvedAlertsQuery = graphql(/* GraphQL */ `
  query ResolvedAlerts($first: Int!) {
    alerts(status: [RESOLVED], first: $first) {
      totalCount
      edges {
        node {
          id
          status
          triggeredAt
          resolvedAt
          updatedAt
          ...AlertListItem_Alert
        }
      }
    }
  }
`);

const AlertChangedSubscription = graphql(/* GraphQL */ `
  subscription AlertChanged {
    alertChanged {
      kind
      alert {
        id
        status
        triggeredAt
        resolvedAt
        updatedAt
        ...AlertListItem_Alert
      }
    }
  }
`);

type PushedAlert = ResultOf<typeof AlertChangedSubscription>['alertChanged']['alert'];

/**
 * Active alerts loaded. A variable, like the resolved list's limit: the API's cost limit multiplies a literal `first`
 * into its estimate, and 100 literal items of AlertListItem (with severity, pending and rule) estimate above it.
 */
const ACTIVE_ALERTS_LIMIT = 100;

/** Pushed states kept in memory; older ones are superseded by the queries' refetches anyway. */
const MAX_PUSHED = 500;

/**
 * Active and resolved alerts, live: the queries give the state at load, the `alertChanged` subscription every change
 * since (a firing alert appears at once, an acknowledged or resolved one moves without a reload).
 */
export function useAlerts(options: { includeResolved?: boolean; resolvedLimit?: number } = {}) {
  const live = useLiveStatus();
  // Pushed changes live only as long as the calling page, so a page opened later must not trust an old cached list.
  const active = useQuery({
    query: ActiveAlertsQuery,
    requestPolicy: 'cache-and-network',
    variables: { first: ACTIVE_ALERTS_LIMIT },
  });
  const resolved = useQuery({
    query: ResolvedAlertsQuery,
    requestPolicy: 'cache-and-network',
    variables: { first: options.resolvedLimit ?? 50 },
    pause: !options.includeResolved,
  });
  const changes = useSubscription({ query: AlertChangedSubscription }, (previous: PushedAlert[] | undefined, data) => {
    live.markUpdated();
    return [...(previous ?? []), data.alertChanged.alert].slice(-MAX_PUSHED);
  });

  const merged = computed(() =>
    mergeAlerts(
      active.data.value?.alerts.edges.map((edge) => edge.node) ?? [],
      resolved.data.value?.alerts.edges.map((edge) => edge.node) ?? [],
      changes.data.value ?? [],
    ),
  );

  return {
    active: computed(() => merged.value.active),
    resolved: computed(() => merged.value.resolved),
    fetching: computed(() => active.fetching.value && !active.data.value),
    error: computed(() => active.error.value ?? resolved.error.value ?? changes.error.value),
  };
}
