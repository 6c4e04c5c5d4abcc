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

function emptyOverview() {
  return {
    liveOverview: {
      __typename: 'Overview',
      window: { __typename: 'Window', from: '2026-11-25T10:00:00Z', to: '2026-11-25T11:00:00Z' },
      current: { __typename: 'KpiTotals', ...ZERO },
      comparison: 'SAME_PERIOD_LAST_WEEK',
      comparisonWindow: {
        __typename: 'Window',
        from: '2026-11-18T10:00:00Z',
        to: '2026-11-18T11:00:00Z',
        minutes: 60,
        timeZone: 'UTC',
      },
      comparisonHasData: false,
      changes: [],
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
  it('asks for the window, filter and comparison in the URL; a filter that matches nothing says so and offers to clear it', async () => {
    const { client, operations } = emptyClient();
    const { wrapper } = await mountAt(
      OverviewPage,
      '/?range=6h&campaign=camp_a&channel=google&compare=lastWeek',
      client,
    );

    const live = operations.find(
      (operation) => operation.kind === 'subscription' && operation.variables && 'window' in operation.variables,
    );
    expect(live?.variables).toEqual({
      window: { lastMinutes: 360 },
      filter: { campaignIds: ['camp_a'], channels: ['google'] },
      compareTo: { kind: 'SAME_PERIOD_LAST_WEEK' },
    });
    expect(wrapper.get('[data-state=empty]').text()).toMatch(
      /^No events match the campaign and channel filter in this window \(last 6 h\)\.\s*Clear filter$/,
    );
    const cleared = new URL(wrapper.get('[data-testid=clear-filter]').attributes('href')!, 'http://x');
    expect(Object.fromEntries(cleared.searchParams)).toEqual({ range: '6h', compare: 'lastWeek' });
    expect(wrapper.get('[data-kpi=impressions] [data-testid=kpi-value]').text()).toBe('0');
    expect(wrapper.get('[data-kpi=impressions] [data-testid=kpi-delta]').text()).toBe(
      'no data in the comparison period',
    );
    expect(wrapper.get('[data-kpi=impressions] [data-testid=kpi-vs]').text()).toBe('vs same time last week');
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
