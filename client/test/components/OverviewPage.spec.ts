import { describe, expect, it } from 'vitest';
import OverviewPage from '@/pages/OverviewPage.vue';
import { createFixtureClient } from '../support/fixture-client.ts';
import { mountAt } from '../support/mount-page.ts';

const ZERO = {
  impressions: 0,
  clicks: 0,
  signups: 0,
  activations: 0,
  ctr: 0,
  clickToSignup: 0,
  signupToActivation: 0,
  spend: 0,
  cpc: null,
  costPerActivation: null,
};
const NO_CHANGE = {
  ...ZERO,
  impressions: null,
  clicks: null,
  signups: null,
  activations: null,
  ctr: null,
  clickToSignup: null,
  signupToActivation: null,
  spend: null,
};

function emptyOverview() {
  return {
    liveOverview: {
      __typename: 'Overview',
      window: { __typename: 'Window', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' },
      current: { __typename: 'KpiTotals', ...ZERO },
      change: { __typename: 'KpiChange', ...NO_CHANGE },
    },
  };
}

const NO_ALERTS = { alerts: { __typename: 'QueryAlertsConnection', totalCount: 0, edges: [] } };

function emptyClient() {
  return createFixtureClient((operation) => {
    const name =
      operation.query.definitions[0]?.kind === 'OperationDefinition' ? operation.query.definitions[0].name?.value : '';
    if (name === 'OverviewPageLiveOverview') return emptyOverview();
    if (name === 'ActiveAlerts') return NO_ALERTS;
    return undefined;
  });
}

describe('OverviewPage', () => {
  it('asks for the window and filter in the URL; a filter that matches nothing says so and offers to clear it', async () => {
    const { client, operations } = emptyClient();
    const { wrapper } = await mountAt(OverviewPage, '/?range=6h&campaign=camp_a&channel=google', client);

    const live = operations.find(
      (operation) => operation.kind === 'subscription' && operation.variables && 'window' in operation.variables,
    );
    expect(live?.variables).toEqual({
      window: { lastMinutes: 360 },
      filter: { campaignIds: ['camp_a'], channels: ['google'] },
    });
    expect(wrapper.get('[data-state=empty]').text()).toMatch(
      /^No events match the campaign and channel filter in this window \(last 6 h\)\.\s*Clear filter$/,
    );
    expect(wrapper.get('[data-testid=clear-filter]').attributes('href')).toBe('/?range=6h');
    expect(wrapper.get('[data-kpi=impressions] [data-testid=kpi-value]').text()).toBe('0');
    expect(wrapper.find('#funnel-heading').exists()).toBe(false);
  });

  it('says "No events yet" only without a filter', async () => {
    const { client } = emptyClient();
    const { wrapper } = await mountAt(OverviewPage, '/?range=6h', client);
    expect(wrapper.get('[data-state=empty]').text()).toBe('No events yet — is the generator running?');
    expect(wrapper.find('[data-testid=clear-filter]').exists()).toBe(false);
  });

  it('shows an error state when the live metrics fail', async () => {
    const { client } = createFixtureClient((operation) =>
      operation.kind === 'subscription' ? new Error('socket closed') : NO_ALERTS,
    );
    const { wrapper } = await mountAt(OverviewPage, '/', client);
    expect(wrapper.get('[data-state=error]').text()).toContain('Could not load live metrics');
    expect(wrapper.get('[data-state=error]').attributes('role')).toBe('alert');
  });
});
