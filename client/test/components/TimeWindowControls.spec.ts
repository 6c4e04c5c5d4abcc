import { flushPromises } from '@vue/test-utils';
import { setTimeZoneOverride } from '@/lib/reporting-zone.ts';
import { describe, expect, it } from 'vitest';
import TimeWindowControls from '@/components/window/TimeWindowControls.vue';
import { createFixtureClient } from '../support/fixture-client.ts';
import { mountAt } from '../support/mount-page.ts';

const CAMPAIGNS = {
  campaigns: [
    { __typename: 'Campaign', campaignId: 'camp_google_brand', name: 'Brand search', channels: ['google'] },
    {
      __typename: 'Campaign',
      campaignId: 'camp_email_reactivation',
      name: 'camp_email_reactivation',
      channels: ['email'],
    },
  ],
};

describe('TimeWindowControls', () => {
  it('marks the range from the URL and writes a new range into the URL, keeping the filters', async () => {
    const { client } = createFixtureClient(() => CAMPAIGNS);
    const { wrapper, router } = await mountAt(TimeWindowControls, '/?range=24h&channel=email', client);
    expect(wrapper.get('[data-range="24h"]').attributes('aria-pressed')).toBe('true');
    expect(wrapper.get('[data-range="1h"]').attributes('aria-pressed')).toBe('false');

    await wrapper.get('[data-range="7d"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '7d', channel: ['email'] });
    expect(wrapper.get('[data-range="7d"]').attributes('aria-pressed')).toBe('true');
  });

  it('offers the campaigns and channels the API knows and filters by them through the URL', async () => {
    const { client } = createFixtureClient(() => CAMPAIGNS);
    const { wrapper, router } = await mountAt(TimeWindowControls, '/', client);
    const options = wrapper
      .get('[data-testid=campaign-filter]')
      .findAll('option')
      .map((o) => o.text());
    // By name, the id after a name that differs from it.
    expect(options).toEqual(['All campaigns', 'Brand search (camp_google_brand)', 'camp_email_reactivation']);

    await wrapper.get('[data-testid=campaign-filter]').setValue('camp_google_brand');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '1h', campaign: ['camp_google_brand'] });
  });

  it('applies a custom range in the reporting zone and rejects a reversed one', async () => {
    setTimeZoneOverride('Asia/Kolkata', undefined);
    const { client } = createFixtureClient(() => CAMPAIGNS);
    const { wrapper, router } = await mountAt(TimeWindowControls, '/', client);
    await wrapper.get('[aria-controls=custom-range]').trigger('click');
    const [from, to] = wrapper.findAll('#custom-range input');
    await from!.setValue('2026-11-24T12:00');
    await to!.setValue('2026-11-24T10:00');
    await wrapper.get('#custom-range').trigger('submit');
    expect(wrapper.get('#custom-range [role=alert]').text()).toBe('The start must be before the end.');

    await to!.setValue('2026-11-24T18:30');
    await wrapper.get('#custom-range').trigger('submit');
    await flushPromises();
    // 12:00 and 18:30 in Kolkata (UTC+05:30).
    expect(router.currentRoute.value.query).toEqual({
      from: '2026-11-24T06:30:00.000Z',
      to: '2026-11-24T13:00:00.000Z',
    });
    setTimeZoneOverride(null, undefined);
  });
});
