import urql from '@urql/vue';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import CampaignSettingsForm from '@/components/campaigns/CampaignSettingsForm.vue';
import { createFixtureClient } from '../support/fixture-client.ts';

// Unmasked fragment data, as the server sends it: a catalog row as ingest creates it.
const CAMPAIGN = {
  __typename: 'Campaign',
  campaignId: 'camp_google_brand',
  name: 'camp_google_brand',
  objective: null,
  status: 'ACTIVE',
  currency: 'USD',
  dailyBudget: null,
  targetCpa: null,
  targetRoas: null,
  startsOn: null,
  endsOn: null,
  tags: [],
  spendSource: 'EVENTS',
  updatedAt: '2026-12-01T10:00:00.000Z',
};

function mountForm(answer: Record<string, unknown> | Error) {
  const fixture = createFixtureClient(() => answer);
  const wrapper = mount(CampaignSettingsForm, {
    props: { campaign: CAMPAIGN as never },
    global: { plugins: [[urql, fixture.client]] },
  });
  const mutations = () => fixture.operations.filter((operation) => operation.kind === 'mutation');
  return { wrapper, mutations };
}

const saved = (fields: Record<string, unknown>) => ({ updateCampaign: { ...CAMPAIGN, ...fields } });

describe('CampaignSettingsForm', () => {
  it('sends the settings as CampaignInput: amounts as numbers, empty as null, enums upper case, tags as a list', async () => {
    const { wrapper, mutations } = mountForm(saved({ name: 'Brand search', dailyBudget: 250 }));
    expect((wrapper.get('#campaign-name').element as HTMLInputElement).value).toBe('camp_google_brand');
    await wrapper.get('#campaign-name').setValue('  Brand search ');
    await wrapper.get('#campaign-objective').setValue('app_installs');
    await wrapper.get('#campaign-dailyBudget').setValue('250');
    await wrapper.get('#campaign-targetRoas').setValue('3.5');
    await wrapper.get('#campaign-currency').setValue('eur');
    await wrapper.get('#campaign-startsOn').setValue('2026-12-01');
    await wrapper.get('#campaign-tags').setValue('brand, emea, ,search');
    await wrapper.get('#campaign-spend-source').setValue('imports');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(1);
    expect(mutations()[0]!.variables).toEqual({
      campaignId: 'camp_google_brand',
      input: {
        name: 'Brand search',
        objective: 'APP_INSTALLS',
        status: 'ACTIVE',
        currency: 'EUR',
        dailyBudget: 250,
        targetCpa: null,
        targetRoas: 3.5,
        startsOn: '2026-12-01',
        endsOn: null,
        tags: ['brand', 'emea', 'search'],
        spendSource: 'IMPORTS',
      },
    });
    expect(wrapper.get('[data-testid=campaign-saved]').text()).toBe('Saved.');
    expect(wrapper.emitted('saved')).toHaveLength(1);
  });

  it("refuses with validateCampaignSettings' issues at their fields, and sends nothing until they are fixed", async () => {
    const { wrapper, mutations } = mountForm(saved({}));
    await wrapper.get('#campaign-name').setValue('   ');
    await wrapper.get('#campaign-dailyBudget').setValue('-5');
    await wrapper.get('#campaign-startsOn').setValue('2026-12-10');
    await wrapper.get('#campaign-endsOn').setValue('2026-12-01');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(0);
    expect(wrapper.get('#campaign-issue-name').text()).toContain('name must be 1–200 characters');
    expect(wrapper.get('#campaign-issue-dailyBudget').text()).toContain('dailyBudget must be between');
    expect(wrapper.get('#campaign-dailyBudget').attributes('aria-describedby')).toBe('campaign-issue-dailyBudget');
    expect(wrapper.get('#campaign-issue-endsOn').text()).toContain('endsOn must not be before startsOn');
    // Issues follow the edits once checked.
    await wrapper.get('#campaign-name').setValue('Brand');
    await wrapper.get('#campaign-dailyBudget').setValue('');
    await wrapper.get('#campaign-endsOn').setValue('');
    expect(wrapper.find('.issue').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(1);
  });

  it("shows the server's CampaignValidationError issues by field, and a refused token as a problem", async () => {
    const refused = mountForm({
      updateCampaign: {
        __typename: 'CampaignValidationError',
        message: 'refused',
        issues: [{ field: 'currency', message: 'currency XXX is not an ISO 4217 code' }],
      },
    });
    await refused.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(refused.wrapper.get('#campaign-issue-currency').text()).toBe('currency XXX is not an ISO 4217 code');
    expect(refused.wrapper.emitted('saved')).toBeUndefined();

    const denied = mountForm(new Error('The token does not grant admin access (ADMIN_TOKEN)'));
    await denied.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(denied.wrapper.get('[data-testid=campaign-save-problem]').text()).toContain('does not grant admin access');
  });
});
