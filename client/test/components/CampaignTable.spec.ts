import { COUNTERS, KPIS } from '@pmd/domain';
import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import CampaignTable from '@/components/campaigns/CampaignTable.vue';

const REASONS = {
  HEALTHY: [],
  AT_RISK: ['CTR 0.0% from 900 impressions in the last 15 min: at most 0.4% (95% upper bound)'],
  NOT_ENOUGH_DATA: ['signup → activation: 10 signups in the last 80 min, needs 20', 'CTR: 150 impressions, needs 200'],
};

function row(
  campaignId: string,
  channel: string,
  clicks: number,
  ctr: number,
  cpc: number | null,
  status: keyof typeof REASONS = 'HEALTHY',
) {
  return {
    __typename: 'BreakdownRow',
    campaignId,
    channel,
    status,
    statusReasons: REASONS[status],
    totals: {
      impressions: 1000,
      clicks,
      signups: 10,
      activations: 5,
      ctr,
      clickToSignup: 10 / Math.max(clicks, 1),
      signupToActivation: 0.5,
      spend: 12.5,
      revenue: 40,
      cpc,
      roas: 3.2,
    },
  };
}

const ROWS = [
  row('camp_google_brand', 'google', 792, 0.045, 0.02),
  row('camp_email_reactivation', 'email', 1255, 0.071, 0.01),
  row('camp_meta_prospecting', 'meta', 0, 0.0, null, 'AT_RISK'),
  row('camp_tiktok_creative', 'tiktok', 541, 0.031, 0.03, 'NOT_ENOUGH_DATA'),
];

function mountTable(names?: ReadonlyMap<string, string>) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: { render: () => null } }],
  });
  // The fixtures are unmasked fragment data, as the server would send them.
  return mount(CampaignTable, {
    props: { rows: ROWS as never, ...(names ? { names } : {}) },
    global: { plugins: [router] },
  });
}

function campaigns(wrapper: ReturnType<typeof mountTable>) {
  return wrapper.findAll('[data-testid=campaign-row]').map((tr) => tr.find('td').text());
}

afterEach(() => vi.restoreAllMocks());

describe('CampaignTable', () => {
  it('starts with the most clicks first and toggles direction on a second click', async () => {
    const wrapper = mountTable();
    expect(campaigns(wrapper)).toEqual([
      'camp_email_reactivation',
      'camp_google_brand',
      'camp_tiktok_creative',
      'camp_meta_prospecting',
    ]);
    expect(wrapper.get('th[aria-sort=descending]').text()).toContain('Clicks');

    await wrapper.get('[data-sort=clicks]').trigger('click');
    expect(campaigns(wrapper)[0]).toBe('camp_meta_prospecting');
    expect(wrapper.get('th[aria-sort=ascending]').text()).toContain('Clicks');
  });

  it('sorts names alphabetically first and keeps an undefined CPC last in both directions', async () => {
    const wrapper = mountTable();
    await wrapper.get('[data-sort=channel]').trigger('click');
    expect(wrapper.findAll('[data-testid=campaign-row]').map((tr) => tr.findAll('td')[1]!.text())).toEqual([
      'email',
      'google',
      'meta',
      'tiktok',
    ]);

    await wrapper.get('[data-sort=cpc]').trigger('click');
    expect(campaigns(wrapper)).toEqual([
      'camp_tiktok_creative',
      'camp_google_brand',
      'camp_email_reactivation',
      'camp_meta_prospecting',
    ]);
    await wrapper.get('[data-sort=cpc]').trigger('click');
    expect(campaigns(wrapper)).toEqual([
      'camp_email_reactivation',
      'camp_google_brand',
      'camp_tiktok_creative',
      'camp_meta_prospecting',
    ]);
  });

  it('takes metric headers, tooltips and formats from the registry', () => {
    const wrapper = mountTable();
    const header = wrapper.get('[data-sort=clickToSignup]');
    expect(header.text()).toContain(KPIS.clickToSignup.label);
    expect(header.attributes('title')).toBe(KPIS.clickToSignup.description);
    expect(wrapper.get('[data-sort=spend]').attributes('title')).toBe(COUNTERS.spend.description);
    expect(wrapper.get('[data-sort=channel]').attributes('title')).toBeUndefined();
    const headers = wrapper.findAll('th').map((th) => th.get('button').attributes('data-sort'));
    const first = wrapper.findAll('[data-testid=campaign-row]')[0]!.findAll('td');
    const cells = Object.fromEntries(first.map((td, index) => [headers[index], td.text()]));
    // Metrics added to the registry later get columns too; these must keep their formats and order.
    expect(cells).toMatchObject({
      impressions: '1,000',
      clicks: '1,255',
      signups: '10',
      activations: '5',
      ctr: '7.10%',
      clickToSignup: '0.80%',
      signupToActivation: '50.00%',
      spend: '$12.50',
      revenue: '$40.00',
      cpc: '$0.01',
      roas: '3.20×',
    });
    const order = ['activations', 'ctr', 'signupToActivation', 'spend', 'cpc'].map((key) => headers.indexOf(key));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('names campaigns from the catalog, with the id below, and sorts the campaign column by name', async () => {
    const wrapper = mountTable(new Map([['camp_tiktok_creative', 'A creative test, Q3']]));
    const cell = wrapper.findAll('[data-testid=campaign-row]')[2]!.find('td');
    expect(cell.get('[data-testid=campaign-name]').text()).toBe('A creative test, Q3');
    expect(cell.get('[data-testid=campaign-id]').text()).toBe('camp_tiktok_creative');
    await wrapper.get('[data-sort=campaignId]').trigger('click');
    expect(campaigns(wrapper)[0]).toContain('A creative test, Q3');
  });

  it('shows Healthy / Not enough data / At Risk with a mark, and the reasons as tooltip and description', () => {
    const wrapper = mountTable();
    const statuses = wrapper.findAll('[data-testid=status]');
    expect(statuses.map((s) => s.text())).toEqual(['✓ Healthy', '✓ Healthy', '… Not enough data', '⚠ At Risk']);
    expect(statuses[3]!.classes()).toContain('at-risk');
    expect(statuses[2]!.classes()).toContain('neutral');
    expect(statuses[0]!.attributes('title')).toBeUndefined();
    expect(statuses[0]!.attributes('aria-describedby')).toBeUndefined();
    for (const [index, status] of [
      [2, 'NOT_ENOUGH_DATA'],
      [3, 'AT_RISK'],
    ] as const) {
      expect(statuses[index]!.attributes('title')).toBe(REASONS[status].join('; '));
      const description = wrapper.get(`[id="${statuses[index]!.attributes('aria-describedby')}"]`);
      expect(description.text()).toBe(REASONS[status].join('; '));
      expect(description.classes()).toContain('visually-hidden');
    }
  });

  it('exports the rows in the shown order as CSV with raw numbers', async () => {
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return 'blob:fixture';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);

    const wrapper = mountTable(new Map([['camp_email_reactivation', 'Reactivation emails']]));
    await wrapper.get('[data-sort=ctr]').trigger('click');
    await wrapper.get('[data-testid=export-csv]').trigger('click');

    expect(clicked).toHaveBeenCalledOnce();
    const [header, ...lines] = (await blobs[0]!.text())
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const records = lines.map((line) => Object.fromEntries(header!.map((name, index) => [name, line[index]])));
    expect(header!.slice(0, 4)).toEqual(['Campaign', 'Campaign id', 'Channel', 'Status']);
    expect(header!.at(-1)).toBe('Status reasons');
    expect(records[0]).toMatchObject({
      Campaign: 'Reactivation emails',
      'Campaign id': 'camp_email_reactivation',
      Channel: 'email',
      Status: 'Healthy',
      Impressions: '1000',
      Clicks: '1255',
      Signups: '10',
      Activations: '5',
      CTR: '0.071',
      [KPIS.clickToSignup.label]: '0.00796812749003984',
      [KPIS.signupToActivation.label]: '0.5',
      Spend: '12.5',
      Revenue: '40',
      CPC: '0.01',
      ROAS: '3.2',
      'Status reasons': '',
    });
    expect(records[3]).toMatchObject({
      Campaign: 'camp_meta_prospecting',
      Status: 'At Risk',
      Clicks: '0',
      CTR: '0',
      CPC: '',
      'Status reasons': REASONS.AT_RISK[0],
    });
  });
});
