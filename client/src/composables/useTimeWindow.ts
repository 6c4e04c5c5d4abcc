import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { comparisonQuery } from '@/lib/comparison.ts';
import {
  describeWindow,
  granularityFor,
  parseTimeWindowQuery,
  toKpiFilter,
  toTimeWindowQuery,
  toWindowInput,
  windowMinutes,
  type QuickRangeKey,
  type TimeWindowState,
} from '@/lib/time-window.ts';
import { effectiveTimeZone, reportingZone } from '@/lib/reporting-zone.ts';

/** The window and filter of the current view, read from and written to the URL query (shareable, back-button safe). */
export function useTimeWindow() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => parseTimeWindowQuery(route.query));

  function update(next: TimeWindowState) {
    // The comparison's keys are not the window's: a new window keeps them.
    void router.push({ query: { ...comparisonQuery(route.query), ...toTimeWindowQuery(next) } });
  }

  return {
    state,
    // The user's zone when chosen; else none, so the server's REPORTING_TIME_ZONE applies.
    windowInput: computed(() => toWindowInput(state.value, reportingZone.override)),
    filter: computed(() => toKpiFilter(state.value)),
    minutes: computed(() => windowMinutes(state.value)),
    granularity: computed(() => granularityFor(windowMinutes(state.value))),
    description: computed(() => describeWindow(state.value, effectiveTimeZone())),
    setQuickRange(range: QuickRangeKey) {
      const { campaignIds, channels } = state.value;
      update({ kind: 'quick', range, campaignIds, channels });
    },
    setCustomRange(from: string, to: string) {
      const { campaignIds, channels } = state.value;
      update({ kind: 'custom', from, to, campaignIds, channels });
    },
    setCampaigns(campaignIds: string[]) {
      update({ ...state.value, campaignIds });
    },
    setChannels(channels: string[]) {
      update({ ...state.value, channels });
    },
  };
}
