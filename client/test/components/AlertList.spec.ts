import urql from '@urql/vue';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import AlertList from '@/components/alerts/AlertList.vue';
import { createFixtureClient } from '../support/fixture-client.ts';

function alert(id: string, status: 'PENDING' | 'FIRING' | 'ACKNOWLEDGED' | 'RESOLVED', metric = 'CTR_DROP') {
  return {
    __typename: 'Alert',
    id,
    alertId: Number(id),
    triggeredAt: '2026-11-25T10:00:00Z',
    campaignId: 'camp_google_brand',
    channel: 'google',
    metric,
    currentValue: 0.012,
    baselineValue: 0.045,
    thresholdValue: 0.0225,
    message: 'CTR fell to 1.2% against a 4.5% baseline',
    status,
    acknowledgedAt: status === 'ACKNOWLEDGED' ? '2026-11-25T10:02:00Z' : null,
    resolvedAt: status === 'RESOLVED' ? '2026-11-25T10:30:00Z' : null,
    severity: 'CRITICAL',
    pendingSince: status === 'PENDING' ? '2026-11-25T10:00:00Z' : null,
    rule: { __typename: 'AlertRule', id: '1', name: 'Brand CTR', pendingMinutes: 5 } as {
      __typename: 'AlertRule';
      id: string;
      name: string;
      pendingMinutes: number;
    } | null,
  };
}

function mountList(alerts: ReturnType<typeof alert>[], answer: Record<string, unknown> | Error) {
  const fixture = createFixtureClient(() => answer);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: { render: () => null } }],
  });
  const wrapper = mount(AlertList, {
    props: { alerts: alerts as never, label: 'Active alerts', emptyText: 'No active anomalies detected ✓' },
    global: { plugins: [[urql, fixture.client], router] },
  });
  return { wrapper, operations: fixture.operations, router };
}

const acknowledged = {
  acknowledgeAlert: {
    __typename: 'Alert',
    id: '7',
    status: 'ACKNOWLEDGED',
    acknowledgedAt: '2026-11-25T10:05:00Z',
    updatedAt: '2026-11-25T10:05:00Z',
  },
};

describe('AlertList', () => {
  it("links each alert to its campaign's page, keeping the window and filters", async () => {
    const { wrapper, router } = mountList([alert('7', 'FIRING')], acknowledged);
    await router.push('/?range=6h&channel=google');
    await flushPromises();
    const link = wrapper.get('[data-testid=alert-campaign-link]');
    expect(link.text()).toBe('camp_google_brand');
    expect(link.attributes('href')).toBe('/campaigns/camp_google_brand?range=6h&channel=google');
  });

  it('shows metric, current vs baseline, threshold and time of each alert', () => {
    const { wrapper } = mountList([alert('7', 'FIRING'), alert('8', 'FIRING', 'CPC_SPIKE')], acknowledged);
    const items = wrapper.findAll('[data-testid=alert-item]');
    expect(items).toHaveLength(2);
    expect(items[0]!.text()).toContain('CTR drop · camp_google_brand / google');
    expect(items[0]!.text()).toContain('Current1.20%');
    expect(items[0]!.text()).toContain('Baseline4.50%');
    expect(items[0]!.text()).toContain('Threshold2.25%');
    expect(items[0]!.text()).toContain('25 Nov 2026, 10:00:00 UTC');
    expect(items[1]!.text()).toContain('Current$0.01');
  });

  it('sends acknowledgeAlert with the alert id, the name and the note given in its form', async () => {
    const { wrapper, operations } = mountList([alert('7', 'FIRING')], acknowledged);
    await wrapper.get('[data-testid=acknowledge]').trigger('click');
    const form = wrapper.get('[data-testid=acknowledge-form]');
    await form.get('input').setValue('Ana');
    await form.get('textarea').setValue('paused the creative');
    await form.trigger('submit');
    await flushPromises();

    const mutations = operations.filter((operation) => operation.kind === 'mutation');
    expect(mutations).toHaveLength(1);
    expect(mutations[0]!.variables).toEqual({ id: '7', by: 'Ana', note: 'paused the creative' });
    expect(wrapper.find('[role=alert]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=acknowledge-form]').exists()).toBe(false);
  });

  it('shows why an acknowledgement failed', async () => {
    const { wrapper } = mountList([alert('7', 'FIRING')], {
      acknowledgeAlert: { __typename: 'NotFoundError', message: 'Alert 7 not found' },
    });
    await wrapper.get('[data-testid=acknowledge]').trigger('click');
    await wrapper.get('[data-testid=acknowledge-form]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toBe('Alert 7 not found');
  });

  it('offers Acknowledge only on firing alerts', () => {
    const { wrapper } = mountList([alert('7', 'ACKNOWLEDGED'), alert('8', 'RESOLVED')], acknowledged);
    expect(wrapper.find('[data-testid=acknowledge]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Acknowledged');
    expect(wrapper.text()).toContain('Resolved');
  });

  it('shows the severity, the rule, and when a pending alert fires if its condition holds', () => {
    const { wrapper } = mountList([alert('7', 'PENDING'), { ...alert('8', 'FIRING'), rule: null }], acknowledged);
    const [pending, firing] = wrapper.findAll('[data-testid=alert-item]');
    expect(pending!.get('[data-testid=pending-note]').text()).toBe('pending — fires at 10:05 if it holds');
    expect(pending!.get('[data-testid=severity]').text()).toBe('critical');
    expect(pending!.text()).toContain('Rule: Brand CTR');
    // Not fired yet: nothing to acknowledge.
    expect(pending!.find('[data-testid=acknowledge]').exists()).toBe(false);
    expect(firing!.find('[data-testid=pending-note]').exists()).toBe(false);
    expect(firing!.text()).toContain('Rule: deleted');
  });

  it("silences the alert's campaign for the chosen hours and says until when", async () => {
    const endsAt = '2026-11-25T14:00:00.000Z';
    const { wrapper, operations } = mountList([alert('7', 'FIRING')], {
      createAlertSilence: { __typename: 'AlertSilence', id: '3', endsAt },
    });
    const before = Date.now();
    await wrapper.get('[data-testid=silence-campaign]').setValue('4');
    await flushPromises();
    const [mutation] = operations.filter((operation) => operation.kind === 'mutation');
    const input = (mutation!.variables as { input: { campaignId: string; endsAt: string; by: string | null } }).input;
    expect(input.campaignId).toBe('camp_google_brand');
    expect(Date.parse(input.endsAt) - before).toBeGreaterThanOrEqual(4 * 3_600_000);
    expect(Date.parse(input.endsAt) - Date.now()).toBeLessThanOrEqual(4 * 3_600_000);
    expect(wrapper.get('[data-testid=campaign-silenced]').text()).toContain(
      'camp_google_brand is silenced until 25 Nov 2026, 14:00:00 UTC',
    );
  });

  it('says so when there are no alerts', () => {
    const { wrapper } = mountList([], acknowledged);
    expect(wrapper.get('[data-testid=alerts-empty]').text()).toBe('No active anomalies detected ✓');
  });
});
