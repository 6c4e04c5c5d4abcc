import urql from '@urql/vue';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import SpendUploadForm from '@/components/spend/SpendUploadForm.vue';
import { setTimeZoneOverride } from '@/lib/reporting-zone.ts';
import { createFixtureClient } from '../support/fixture-client.ts';

function mountForm(answer: Record<string, unknown>) {
  const fixture = createFixtureClient(() => answer);
  const wrapper = mount(SpendUploadForm, { global: { plugins: [[urql, fixture.client]] } });
  return { wrapper, mutations: () => fixture.operations.filter((operation) => operation.kind === 'mutation') };
}

const CSV = 'date,campaign_id,channel,spend\n2026-12-01,camp_a,google,12.5\n2026-12-01,camp_a,meta,lots\n';

describe('SpendUploadForm', () => {
  it('sends the CSV in the reporting zone and shows the counts and the rejected lines', async () => {
    setTimeZoneOverride('Asia/Kolkata', undefined);
    const { wrapper, mutations } = mountForm({
      importSpend: {
        __typename: 'SpendImportResult',
        stored: 1,
        replaced: 0,
        rejected: 1,
        timeZone: 'Asia/Kolkata',
        errors: [{ line: 2, field: 'spend', reason: 'spend must be a number' }],
      },
    });
    expect((wrapper.get('[data-testid=spend-zone]').element as HTMLSelectElement).value).toBe('Asia/Kolkata');
    await wrapper.get('#spend-csv').setValue(CSV);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()[0]!.variables).toEqual({ csv: CSV, timeZone: 'Asia/Kolkata' });
    expect(wrapper.get('[data-testid=spend-stored]').text()).toBe('1');
    expect(wrapper.get('[data-testid=spend-rejected]').text()).toBe('1');
    const cells = wrapper.findAll('[data-testid=spend-errors] tbody td').map((td) => td.text());
    expect(cells).toEqual(['2', 'spend', 'spend must be a number']);
    expect(wrapper.emitted('imported')).toHaveLength(1);
    setTimeZoneOverride(null, undefined);
  });

  it('sends nothing without text, and shows an InvalidArgumentError', async () => {
    const { wrapper, mutations } = mountForm({
      importSpend: { __typename: 'InvalidArgumentError', message: 'The CSV header must be date|hour,…' },
    });
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(mutations()).toHaveLength(0);
    expect(wrapper.get('[data-testid=spend-problem]').text()).toContain('Choose a CSV file');
    await wrapper.get('#spend-csv').setValue('nonsense');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid=spend-problem]').text()).toBe('The CSV header must be date|hour,…');
    expect(wrapper.emitted('imported')).toBeUndefined();
  });
});
