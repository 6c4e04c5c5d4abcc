import { defaultRuleSettings } from '@pmd/domain';
import urql from '@urql/vue';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import AlertRuleForm from '@/components/rules/AlertRuleForm.vue';
import { createFixtureClient } from '../support/fixture-client.ts';

const CHANNELS = [
  { id: '1', name: 'ops hook', enabled: true },
  { id: '2', name: 'old mail', enabled: false },
];

function mountForm(
  answer: Record<string, unknown> | Error,
  rule: { id: string; settings: ReturnType<typeof defaultRuleSettings>; channelIds: string[] } | null = null,
) {
  const fixture = createFixtureClient(() => answer);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: { render: () => null } }],
  });
  const wrapper = mount(AlertRuleForm, {
    props: { rule, channels: CHANNELS },
    global: { plugins: [[urql, fixture.client], router] },
  });
  const mutations = () => fixture.operations.filter((operation) => operation.kind === 'mutation');
  // Backtests only: the backtest also reads the campaigns' names.
  const queries = () =>
    fixture.operations.filter((operation) => operation.kind === 'query' && 'rule' in (operation.variables as object));
  return { wrapper, mutations, queries };
}

const created = { createAlertRule: { __typename: 'AlertRule', id: '9' } };

describe('AlertRuleForm', () => {
  it('sends percent as fractions, enum names upper case, and the checked routing', async () => {
    const { wrapper, mutations } = mountForm(created);
    await wrapper.get('#rule-name').setValue('Meta CTR');
    await wrapper.get('#rule-scope').setValue('channel');
    await wrapper.get('#rule-scope-value').setValue('meta');
    await wrapper.get('#rule-change').setValue('40');
    await wrapper.get('#rule-expected').setValue('3');
    await wrapper.get('input[name=channelIds][value="1"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(1);
    expect(mutations()[0]!.variables).toEqual({
      input: {
        ...defaultRuleSettings('ctr_drop'),
        name: 'Meta CTR',
        metric: 'CTR_DROP',
        scope: 'CHANNEL',
        scopeValue: 'meta',
        method: 'CUSUM',
        baseline: 'TRAILING',
        severity: 'WARNING',
        minRelativeChange: 0.4,
        expectedValue: 0.03,
        channelIds: ['1'],
      },
    });
    expect(wrapper.emitted('saved')).toHaveLength(1);
    // Ready for the next rule.
    expect((wrapper.get('#rule-name').element as HTMLInputElement).value).toBe('');
  });

  it('backtests the unsaved (even unnamed) settings of the form, once they pass validation', async () => {
    const backtest = {
      backtestAlertRule: {
        __typename: 'AlertRuleBacktest',
        from: '2026-11-24T10:00:00.000Z',
        to: '2026-11-25T10:00:00.000Z',
        days: 1,
        keys: 2,
        fired: 0,
        truncated: false,
        firedPerDay: [{ day: '2026-11-24T00:00:00.000Z', fired: 0 }],
        episodes: [],
      },
    };
    const { wrapper, queries } = mountForm(backtest);
    const backtestButton = () => wrapper.findAll('button').find((button) => button.text() === 'Backtest')!;
    await wrapper.get('#rule-change').setValue('5');
    await backtestButton().trigger('click');
    await flushPromises();
    // Recovery (15%) is not below the change (5%): no backtest, the issue instead.
    expect(queries()).toHaveLength(0);
    expect(wrapper.get('#rule-issue-recoveryChange').text()).toContain('recoveryChange must be below');
    await wrapper.get('#rule-recovery').setValue('2');
    await backtestButton().trigger('click');
    await flushPromises();
    expect(queries()).toHaveLength(1);
    expect(queries()[0]!.variables).toMatchObject({
      days: 1,
      rule: { minRelativeChange: 0.05, recoveryChange: 0.02, metric: 'CTR_DROP' },
    });
    expect(wrapper.get('[data-testid=backtest] h3').text()).toBe('Backtest of Unnamed rule');
    expect(wrapper.get('[data-testid=backtest-summary]').text()).toBe(
      'Would have fired 0 times in the last 1 day (2 campaign·channels)',
    );
  });

  it('says why the server refused the change (no admin scope)', async () => {
    const { wrapper } = mountForm(new Error('The token does not grant admin access (ADMIN_TOKEN)'));
    await wrapper.get('#rule-name').setValue('Meta CTR');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toContain('The token does not grant admin access (ADMIN_TOKEN)');
    expect(wrapper.emitted('saved')).toBeUndefined();
  });

  it('keeps edits when the page re-reads the same rule, and resets for another', async () => {
    const settings = { ...defaultRuleSettings('ctr_drop'), name: 'Brand CTR' };
    const { wrapper } = mountForm(created, { id: '5', settings, channelIds: [] });
    await wrapper.get('#rule-severity').setValue('critical');
    await wrapper.setProps({ rule: { id: '5', settings: { ...settings }, channelIds: [] } });
    expect((wrapper.get('#rule-severity').element as HTMLSelectElement).value).toBe('critical');
    await wrapper.setProps({ rule: { id: '6', settings: { ...settings, name: 'Other' }, channelIds: [] } });
    expect((wrapper.get('#rule-severity').element as HTMLSelectElement).value).toBe('warning');
    expect((wrapper.get('#rule-name').element as HTMLInputElement).value).toBe('Other');
  });

  it('fills the defaults of a chosen metric and shows only the settings its method reads', async () => {
    const { wrapper } = mountForm(created);
    expect(wrapper.find('#rule-recovery-significance').exists()).toBe(true);
    await wrapper.get('#rule-metric').setValue('cpc_spike');
    expect((wrapper.get('#rule-name').element as HTMLInputElement).value).toBe(defaultRuleSettings('cpc_spike').name);
    expect((wrapper.get('#rule-method').element as HTMLSelectElement).value).toBe('window');
    expect((wrapper.get('#rule-window').element as HTMLInputElement).value).toBe('15');
    expect(wrapper.get('label[for=rule-change]').text()).toBe('Rise that fires (%)');
    // Window method: no recovery evidence; a cost has no z-score either.
    expect(wrapper.find('#rule-recovery-significance').exists()).toBe(false);
    expect(wrapper.find('#rule-significance').exists()).toBe(false);
    // A typed name stays when the metric changes.
    await wrapper.get('#rule-name').setValue('Spend watch');
    await wrapper.get('#rule-metric').setValue('impressions_drop');
    expect((wrapper.get('#rule-name').element as HTMLInputElement).value).toBe('Spend watch');
    expect(wrapper.find('#rule-significance').exists()).toBe(true);
  });

  it('shows the domain issues next to their fields and sends nothing until they are fixed', async () => {
    const { wrapper, mutations } = mountForm(created);
    await wrapper.get('#rule-name').setValue('Lenient');
    await wrapper.get('#rule-recovery').setValue('40');
    await wrapper.get('#rule-window').setValue('');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(0);
    expect(wrapper.get('#rule-recovery').attributes('aria-describedby')).toBe('rule-issue-recoveryChange');
    expect(wrapper.get('#rule-issue-recoveryChange').text()).toContain(
      'recoveryChange must be below minRelativeChange',
    );
    expect(wrapper.get('#rule-issue-windowMinutes').text()).toContain('windowMinutes must be a finite integer');
    await wrapper.get('#rule-recovery').setValue('10');
    await wrapper.get('#rule-window').setValue('60');
    expect(wrapper.find('.issue').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(1);
  });

  it("shows the server's issues at their fields, and edits a rule with its stored routing", async () => {
    const settings = { ...defaultRuleSettings('ctr_drop'), name: 'Brand CTR', severity: 'critical' as const };
    const { wrapper, mutations } = mountForm(
      {
        updateAlertRule: {
          __typename: 'AlertRuleValidationError',
          message: 'refused',
          issues: [
            { field: 'name', message: 'a rule named "Brand CTR" exists already' },
            { field: 'channelIds', message: 'unknown channel 2' },
          ],
        },
      },
      { id: '5', settings, channelIds: ['2'] },
    );
    expect(wrapper.get('form').attributes('aria-label')).toBe('Edit rule');
    expect((wrapper.get('#rule-severity').element as HTMLSelectElement).value).toBe('critical');
    expect((wrapper.get('#rule-change').element as HTMLInputElement).value).toBe('30');
    expect((wrapper.get('input[name=channelIds][value="2"]').element as HTMLInputElement).checked).toBe(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()[0]!.variables).toMatchObject({ id: '5', input: { channelIds: ['2'], severity: 'CRITICAL' } });
    expect(wrapper.get('#rule-issue-name').text()).toBe('a rule named "Brand CTR" exists already');
    expect(wrapper.get('#rule-issue-channelIds').text()).toBe('unknown channel 2');
    expect(wrapper.emitted('saved')).toBeUndefined();
  });
});
