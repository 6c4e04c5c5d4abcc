import { COUNTER_NAMES, metricView, rollupField } from '@pmd/domain';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import CampaignMetricsTable from '@/components/campaigns/CampaignMetricsTable.vue';
import { ROLLUP_TABLE_METRICS } from '@/lib/dashboard-metrics.ts';
import { metricRow } from '@/lib/metric-rows.ts';

const ROW = metricRow('2026-11-25', 'email', {
  ...Object.fromEntries(COUNTER_NAMES.map((name) => [rollupField(name), 0])),
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
    const headers = wrapper.findAll('th').map((th) => th.text());
    const cells = Object.fromEntries(wrapper.findAll('td').map((td, index) => [headers[index], td.text()]));
    // Metrics added to the registry later get columns too; these must keep their values.
    expect(cells).toMatchObject({
      Day: '2026-11-25',
      Channel: 'email',
      Impressions: '2,000',
      Clicks: '50',
      Signups: '10',
      Activations: '4',
      CTR: '2.50%',
      [metricView('clickToSignup').label]: '20.00%',
      [metricView('signupToActivation').label]: '40.00%',
      Spend: '$25.50',
    });
    expect(headers.indexOf('Activations')).toBeLessThan(headers.indexOf('CTR'));
    expect(headers.indexOf('CTR')).toBeLessThan(headers.indexOf('Spend'));
  });
});
