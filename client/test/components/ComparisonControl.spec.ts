import { flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import TimeWindowControls from '@/components/window/TimeWindowControls.vue';
import { createFixtureClient } from '../support/fixture-client.ts';
import { mountAt } from '../support/mount-page.ts';

const CAMPAIGNS = { campaigns: [] };

describe('TimeWindowControls: comparison', () => {
  it('writes the comparison into the URL beside the window, and a new window keeps it', async () => {
    const { client } = createFixtureClient(() => CAMPAIGNS);
    const { wrapper, router } = await mountAt(TimeWindowControls, '/?range=24h', client);
    expect((wrapper.get('[data-testid=comparison]').element as HTMLSelectElement).value).toBe('previous');

    await wrapper.get('[data-testid=comparison]').setValue('lastWeek');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '24h', compare: 'lastWeek' });

    await wrapper.get('[data-range="7d"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '7d', compare: 'lastWeek' });

    await wrapper.get('[data-testid=comparison]').setValue('previous');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '7d' });
  });

  it('applies a custom comparison range in the reporting zone (UTC here) and refuses a reversed or over-long one', async () => {
    const { client } = createFixtureClient(() => CAMPAIGNS);
    const { wrapper, router } = await mountAt(TimeWindowControls, '/?range=1h', client);
    await wrapper.get('[data-testid=comparison]').setValue('custom');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ range: '1h' });
    const [from, to] = wrapper.findAll('#comparison-range input');

    await from!.setValue('2026-03-08T00:00');
    await to!.setValue('2026-03-01T00:00');
    await wrapper.get('#comparison-range').trigger('submit');
    expect(wrapper.get('#comparison-range [role=alert]').text()).toBe('The start must be before the end.');

    await from!.setValue('2025-01-01T00:00');
    await wrapper.get('#comparison-range').trigger('submit');
    expect(wrapper.get('#comparison-range [role=alert]').text()).toBe('A range can span at most 90 days.');
    expect(router.currentRoute.value.query).toEqual({ range: '1h' });

    await from!.setValue('2026-03-01T00:00');
    await to!.setValue('2026-03-08T00:00');
    await wrapper.get('#comparison-range').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({
      range: '1h',
      compare: 'custom',
      compareFrom: '2026-03-01T00:00:00.000Z',
      compareTo: '2026-03-08T00:00:00.000Z',
    });
    expect(wrapper.find('#comparison-range [role=alert]').exists()).toBe(false);
  });
});
