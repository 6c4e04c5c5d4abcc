import { metricView } from '@pmd/domain';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import CampaignMetricsTable from '@/components/campaigns/CampaignMetricsTable.vue';
import { ROLLUP_TABLE_METRICS } from '@/lib/dashboard-metrics.ts';
import { metricRow } from '@/lib/metric-rows.ts';

const ROW = metricRow('2026-11-25', 'email', {
  impressions: 2000,
  clicks: 50,
  signups: 10,
  activations: 4,
  cost: 20,
  totalCost: 25.5,
});

describe('CampaignMetricsTable', () => {
  it('heads its metric columns with the registry labels and descriptions', () => {
    const wrapper = mount(CampaignMetricsTable, { props: { rows: [ROW], caption: 'Daily rows', bucketLabel: 'Day' } });
    const headers = wrapper.findAll('th');
    expect(headers.map((th) => th.text())).toEqual([
      'Day',
      'Channel',
      ...ROLLUP_TABLE_METRICS.map((name) => metricView(name).label),
    ]);
    expect(headers[2]!.attributes('title')).toBe(metricView(ROLLUP_TABLE_METRICS[0]!).description);
  });

  it('formats each value by its metric, ratios computed from the row’s counters', () => {
    const wrapper = mount(CampaignMetricsTable, { props: { rows: [ROW], caption: 'Daily rows', bucketLabel: 'Day' } });
    expect(wrapper.findAll('td').map((td) => td.text())).toEqual([
      '2026-11-25',
      'email',
      '2,000',
      '50',
      '10',
      '4',
      '2.50%',
      '20.00%',
      '40.00%',
      '$25.50',
    ]);
  });
});
