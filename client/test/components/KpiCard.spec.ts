import { KPIS } from '@pmd/domain';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import KpiCard from '@/components/kpi/KpiCard.vue';

function card(props: Partial<InstanceType<typeof KpiCard>['$props']>) {
  return mount(KpiCard, { props: { metric: 'clicks', value: 0, change: null, ...props } });
}

const value = (wrapper: ReturnType<typeof card>) => wrapper.get('[data-testid=kpi-value]').text();
const tone = (metric: 'clicks' | 'cpc' | 'spend', change: number) =>
  card({ metric, change }).get('[data-testid=kpi-change]').classes();

describe('KpiCard', () => {
  it('formats the value by the metric’s registry format', () => {
    expect(value(card({ metric: 'impressions', value: 70057 }))).toBe('70,057');
    expect(value(card({ metric: 'ctr', value: 0.042634 }))).toBe('4.26%');
    expect(value(card({ metric: 'spend', value: 1234.5 }))).toBe('$1,234.50');
    expect(value(card({ metric: 'cpc', value: null }))).toBe('—');
  });

  it('shows a rise as a green up arrow and a fall as a red down arrow', () => {
    const up = card({ change: 0.125 }).get('[data-testid=kpi-change]');
    expect(up.text()).toContain('▲');
    expect(up.text()).toContain('12.5%');
    expect(up.classes()).toContain('good');
    expect(up.attributes('aria-label')).toBe('up 12.5% from the previous window');

    const down = card({ change: -0.4 }).get('[data-testid=kpi-change]');
    expect(down.text()).toContain('▼');
    expect(down.text()).toContain('40.0%');
    expect(down.classes()).toContain('bad');
  });

  it('colours by the registry’s direction: a rising cost red, a falling one green, spend neither', () => {
    expect(tone('cpc', 0.3)).toContain('bad');
    expect(tone('cpc', -0.3)).toContain('good');
    expect(tone('spend', 0.3)).toContain('neutral');
    expect(tone('spend', -0.3)).toContain('neutral');
  });

  it('says n/a without an arrow when the previous window had nothing to compare with', () => {
    const none = card({ change: null }).get('[data-testid=kpi-change]');
    expect(none.text()).not.toMatch(/[▲▼]/);
    expect(none.text()).toContain('n/a');
    expect(none.classes()).toContain('neutral');
  });

  it('is labelled by the registry’s label, with its description as the tooltip', () => {
    const wrapper = card({ metric: 'clickToSignup' });
    expect(wrapper.get('article').attributes('aria-labelledby')).toBe('kpi-clickToSignup-label');
    expect(wrapper.get('#kpi-clickToSignup-label').text()).toBe(KPIS.clickToSignup.label);
    expect(wrapper.get('#kpi-clickToSignup-label').attributes('title')).toBe(KPIS.clickToSignup.description);
  });
});
