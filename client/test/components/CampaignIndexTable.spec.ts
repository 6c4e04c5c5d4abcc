import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import CampaignIndexTable from '@/components/campaigns/CampaignIndexTable.vue';

function row(campaignId: string, clicks: number, ctr: number, status: string, statusReasons: string[] = []) {
  return {
    __typename: 'BreakdownRow',
    campaignId,
    status,
    statusReasons,
    totals: {
      impressions: 10_000 - clicks,
      clicks,
      ctr,
      signups: 10,
      activations: 5,
      spend: clicks / 10,
      revenue: clicks / 4,
      costPerActivation: clicks / 50,
      roas: 2.5,
    },
  };
}

const NO_BUDGET = { status: null, projectedSpend: 12, dailyBudget: null, budgetShare: null };

// Fixtures are unmasked fragment data, as the server sends them; camp_idle has no data in the window.
const ROWS = [
  row('camp_google_brand', 792, 0.045, 'HEALTHY'),
  row('camp_email_reactivation', 1255, 0.071, 'HEALTHY'),
  row('camp_meta_prospecting', 40, 0.004, 'AT_RISK', ['CTR below 2.0%']),
  row('camp_tiktok_creative', 541, 0.031, 'NOT_ENOUGH_DATA', ['Fewer than 200 impressions']),
  row('camp_LinkedIn_b2b', 120, 0.012, 'NEEDS_REVIEW'),
];
const CAMPAIGNS = [
  ...ROWS.map((r) => ({
    campaignId: r.campaignId,
    name: r.campaignId === 'camp_google_brand' ? 'Brand search (EMEA)' : r.campaignId,
    channels: [r.campaignId.split('_')[1]!],
    pacing:
      r.campaignId === 'camp_email_reactivation'
        ? { status: 'OVER', projectedSpend: 1_240, dailyBudget: 1_000, budgetShare: 1.24 }
        : NO_BUDGET,
  })),
  { campaignId: 'camp_idle', name: 'camp_idle', channels: ['email', 'google'], pacing: NO_BUDGET },
];

async function mountTable(pageSize?: number) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: { render: () => null } }],
  });
  await router.push('/campaigns?range=24h');
  return mount(CampaignIndexTable, {
    props: { rows: ROWS as never, campaigns: CAMPAIGNS as never, ...(pageSize ? { pageSize } : {}) },
    slots: { sparkline: '<svg data-testid="sparkline-slot" />' },
    global: { plugins: [router] },
  });
}

type Wrapper = Awaited<ReturnType<typeof mountTable>>;
const ids = (wrapper: Wrapper) =>
  wrapper.findAll('[data-testid=campaign-index-row]').map((tr) => tr.attributes('data-campaign'));

describe('CampaignIndexTable', () => {
  it('lists every campaign once, with its status (unknown values in words), link and sparkline', async () => {
    const wrapper = await mountTable();
    expect(ids(wrapper)).toEqual([
      'camp_email_reactivation',
      'camp_google_brand',
      'camp_tiktok_creative',
      'camp_LinkedIn_b2b',
      'camp_meta_prospecting',
      'camp_idle',
    ]);
    const status = (id: string) => wrapper.get(`[data-campaign=${id}] [data-testid=status]`);
    expect(status('camp_google_brand').text()).toContain('Healthy');
    expect(status('camp_meta_prospecting').text()).toContain('At Risk');
    expect(status('camp_meta_prospecting').attributes('title')).toBe('CTR below 2.0%');
    expect(status('camp_tiktok_creative').text()).toContain('Not enough data');
    expect(status('camp_LinkedIn_b2b').text()).toContain('Needs review');
    expect(status('camp_idle').text()).toContain('No data');
    expect(wrapper.get('[data-campaign=camp_idle] [data-column=clicks]').text()).toBe('—');
    expect(wrapper.get('[data-campaign=camp_idle] [data-column=channels]').text()).toBe('email, google');
    expect(wrapper.get('[data-campaign=camp_google_brand] a').attributes('href')).toBe(
      '/campaigns/camp_google_brand?range=24h',
    );
    expect(wrapper.findAll('[data-testid=sparkline-slot]')).toHaveLength(6);
  });

  it('shows the catalog name with the id below it, and the pacing against the budget', async () => {
    const wrapper = await mountTable();
    const brand = wrapper.get('[data-campaign=camp_google_brand] [data-column=campaignId]');
    expect(brand.get('[data-testid=campaign-name]').text()).toBe('Brand search (EMEA)');
    expect(brand.get('[data-testid=campaign-id]').text()).toBe('camp_google_brand');
    // A campaign named by its id shows it once.
    expect(wrapper.find('[data-campaign=camp_idle] [data-testid=campaign-id]').exists()).toBe(false);
    const pacing = wrapper.get('[data-campaign=camp_email_reactivation] [data-testid=pacing]');
    expect(pacing.attributes('data-pacing')).toBe('OVER');
    expect(pacing.text()).toContain('Over pace');
    expect(pacing.text()).toContain('$1,240.00 of $1,000.00');
    expect(wrapper.get('[data-campaign=camp_idle] [data-testid=pacing]').text()).toBe('No budget');
    expect(wrapper.get('[data-campaign=camp_google_brand] [data-column=roas]').text()).toBe('2.50×');
    expect(wrapper.get('[data-campaign=camp_google_brand] [data-column=revenue]').text()).toBe('$198.00');
  });

  it('exports names, ids, pacing and the money columns as CSV, with raw numbers', async () => {
    const wrapper = await mountTable();
    const [header, first] = (wrapper.vm as unknown as { csvText(): string }).csvText().split('\r\n');
    expect(header).toBe(
      'Campaign,Campaign id,Channels,Status,Pacing,Projected spend today,Daily budget,' +
        'Impressions,Clicks,CTR,Signups,Activations,Spend,Revenue,CPA,ROAS',
    );
    expect(first).toBe(
      'camp_email_reactivation,camp_email_reactivation,email,Healthy,Over pace,1240,1000,' +
        '8745,1255,0.071,10,5,125.5,313.75,25.1,2.5',
    );
  });

  it('narrows to names or ids containing the search text, ignoring case', async () => {
    const wrapper = await mountTable();
    await wrapper.get('[data-testid=campaign-search]').setValue('  GOOGLE ');
    expect(ids(wrapper)).toEqual(['camp_google_brand']);
    expect(wrapper.get('[data-testid=campaign-count]').text()).toBe('1 of 6 campaigns');
    await wrapper.get('[data-testid=campaign-search]').setValue('linkedin');
    expect(ids(wrapper)).toEqual(['camp_LinkedIn_b2b']);
    await wrapper.get('[data-testid=campaign-search]').setValue('emea');
    expect(ids(wrapper)).toEqual(['camp_google_brand']);
    await wrapper.get('[data-testid=campaign-search]').setValue('nothing-like-this');
    expect(ids(wrapper)).toEqual([]);
    await wrapper.get('[data-testid=campaign-search]').setValue('');
    expect(ids(wrapper)).toHaveLength(6);
  });

  it('sorts by any column header, toggles direction, says so in aria-sort, and keeps no-data rows last', async () => {
    const wrapper = await mountTable();
    expect(wrapper.get('th[aria-sort=descending]').text()).toContain('Clicks');
    await wrapper.get('[data-sort=ctr]').trigger('click');
    expect(ids(wrapper)).toEqual([
      'camp_email_reactivation',
      'camp_google_brand',
      'camp_tiktok_creative',
      'camp_LinkedIn_b2b',
      'camp_meta_prospecting',
      'camp_idle',
    ]);
    await wrapper.get('[data-sort=ctr]').trigger('click');
    expect(wrapper.get('th[aria-sort=ascending]').text()).toContain('CTR');
    expect(ids(wrapper)).toEqual([
      'camp_meta_prospecting',
      'camp_LinkedIn_b2b',
      'camp_tiktok_creative',
      'camp_google_brand',
      'camp_email_reactivation',
      'camp_idle',
    ]);
    await wrapper.get('[data-sort=campaignId]').trigger('click');
    expect(wrapper.get('th[aria-sort=ascending]').text()).toContain('Campaign');
    expect(wrapper.findAll('th[aria-sort=none]')).toHaveLength(12);
    // By name: "Brand search (EMEA)" before the ids that are still names.
    expect(ids(wrapper).slice(0, 2)).toEqual(['camp_google_brand', 'camp_email_reactivation']);
    await wrapper.get('[data-sort=pacing]').trigger('click');
    expect(ids(wrapper)[0]).toBe('camp_email_reactivation');
    await wrapper.get('[data-sort=roas]').trigger('click');
    expect(wrapper.get('th[aria-sort=descending]').text()).toContain('ROAS');
    await wrapper.get('[data-sort=status]').trigger('click');
    // Alphabetical by label; equal statuses by campaign id.
    expect(ids(wrapper)).toEqual([
      'camp_meta_prospecting',
      'camp_email_reactivation',
      'camp_google_brand',
      'camp_LinkedIn_b2b',
      'camp_tiktok_creative',
      'camp_idle',
    ]);
  });

  it('pages long lists, and a search starts again at the first page', async () => {
    const wrapper = await mountTable(2);
    expect(ids(wrapper)).toEqual(['camp_email_reactivation', 'camp_google_brand']);
    await wrapper.get('nav[aria-label="Campaign pages"] button:last-child').trigger('click');
    expect(ids(wrapper)).toEqual(['camp_tiktok_creative', 'camp_LinkedIn_b2b']);
    await wrapper.get('[data-testid=campaign-search]').setValue('camp_');
    expect(ids(wrapper)).toEqual(['camp_email_reactivation', 'camp_google_brand']);
  });
});
