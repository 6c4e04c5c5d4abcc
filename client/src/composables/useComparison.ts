import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import {
  COMPARISON_QUERY_KEYS,
  parseComparisonQuery,
  toComparisonInput,
  toComparisonQuery,
  type ComparisonState,
} from '@/lib/comparison.ts';

/** What the KPI cards compare with, read from and written to the URL query beside the window (its own keys only). */
export function useComparison() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => parseComparisonQuery(route.query));

  function update(next: ComparisonState) {
    const others = Object.fromEntries(
      Object.entries(route.query).filter(([key]) => !(COMPARISON_QUERY_KEYS as readonly string[]).includes(key)),
    );
    void router.push({ query: { ...others, ...toComparisonQuery(next) } });
  }

  return {
    state,
    input: computed(() => toComparisonInput(state.value)),
    setPrevious: () => update({ kind: 'previous' }),
    setLastWeek: () => update({ kind: 'lastWeek' }),
    setCustomRange: (from: string, to: string) => update({ kind: 'custom', from, to }),
  };
}
