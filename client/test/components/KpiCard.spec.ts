import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import KpiCard from '@/components/kpi/KpiCard.vue';

function card(props: Partial<InstanceType<typeof KpiCard>['$props']>) {
  return mount(KpiCard, {
    props: { kpi: 'clicks', label: 'Clicks', value: 0, format: 'count', change: null, ...props },
  });
}

describe('KpiCard', () => {
  it('formats the value by kind', () => {
    expect(card({ value: 70057, format: 'count' }).get('[data-testid=kpi-value]').text()).toBe('70,057');
    expect(card({ value: 0.042634, format: 'percent' }).get('[data-testid=kpi-value]').text()).toBe('4.26%');
    expect(card({ value: 1234.5, format: 'money' }).get('[data-testid=kpi-value]').text()).toBe('$1,234.50');
    expect(card({ value: null, format: 'money' }).get('[data-testid=kpi-value]').text()).toBe('—');
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

  it('colours a rising cost red and a falling cost green', () => {
    expect(
      card({ format: 'money', change: 0.3, higherIsBetter: false }).get('[data-testid=kpi-change]').classes(),
    ).toContain('bad');
    expect(
      card({ format: 'money', change: -0.3, higherIsBetter: false }).get('[data-testid=kpi-change]').classes(),
    ).toContain('good');
  });

  it('says n/a without an arrow when the previous window had nothing to compare with', () => {
    const none = card({ change: null }).get('[data-testid=kpi-change]');
    expect(none.text()).not.toMatch(/[▲▼]/);
    expect(none.text()).toContain('n/a');
    expect(none.classes()).toContain('neutral');
  });

  it('is labelled by its KPI name', () => {
    const wrapper = card({ kpi: 'ctr', label: 'CTR' });
    expect(wrapper.get('article').attributes('aria-labelledby')).toBe('kpi-ctr-label');
    expect(wrapper.get('#kpi-ctr-label').text()).toBe('CTR');
  });
});
