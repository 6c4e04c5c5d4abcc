import { type TypedDocumentNode, useQuery } from '@urql/vue';
import { onScopeDispose, watch } from 'vue';
import { useRoute } from 'vue-router';
import { useLiveStatus } from './useLiveStatus.ts';

/**
 * A page's query (without variables) re-read every `meta.snapshotRefreshSeconds` of its route, for data the server publishes no event for
 * (worker runs, deliveries, open alert counts); the header says the page is a snapshot refreshed that often, from the
 * same meta. Every answer marks the page updated. `refresh()` re-reads at once (after a mutation).
 */
export function useSnapshotQuery<Data>(query: TypedDocumentNode<Data, { [key: string]: never }>) {
  const live = useLiveStatus();
  const seconds = useRoute().meta.snapshotRefreshSeconds;
  if (!seconds) throw new Error('a snapshot page needs meta.snapshotRefreshSeconds on its route');
  const result = useQuery({ query, requestPolicy: 'network-only' });
  const refresh = () => result.executeQuery({ requestPolicy: 'network-only' });
  const timer = setInterval(refresh, seconds * 1000);
  onScopeDispose(() => clearInterval(timer));
  watch(result.data, (data) => {
    if (data) live.markUpdated();
  });
  return Object.assign(result, { refresh });
}
