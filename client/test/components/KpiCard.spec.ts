import { KPIS, metricChange, type MetricName } from '@pmd/domain';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import KpiCard from '@/components/kpi/KpiCard.vue';

type CardMetric = Exclude<MetricName, 'clickCost' | 'cpm' | 'costPerSignup' | 'revenuePerActivation'>;

/** A card of `metric` going from `previous` to `current` (the change the API computes with the same domain rule). */
function card(
  metric: CardMetric,
  current: number | null,
  previous: number | null,
  options: { comparisonHasData?: boolean; comparisonLabel?: string } = {},
) {
  return mount(KpiCard, {
    props: {
      metric,
      value: current,
      change: metricChange(metric, current, previous),
      comparisonHasData: options.comparisonHasData ?? true,
      comparisonLabel: options.comparisonLabel ?? 'vs previous 1 h',
    },
  });
}

const value = (wrapper: ReturnType<typeof card>) => wrapper.get('[data-testid=kpi-value]').text();
const line = (wrapper: ReturnType<typeof card>) => wrapper.get('[data-testid=kpi-change]');

describe('KpiCard', () => {
  it('formats the value by the metric’s registry format', () => {
    expect(value(card('impressions', 70057, 1))).toBe('70,057');
    expect(value(card('ctr', 0.042634, 0.04))).toBe('4.26%');
    expect(value(card('spend', 1234.5, 1000))).toBe('$1,234.50');
    expect(value(card('cpc', null, 1))).toBe('—');
  });

  it('shows the money cards: ROAS as a multiple, revenue and ROAS up is good news, CPA up is bad news', () => {
    expect(value(card('roas', 3.2, 2))).toBe('3.20×');
    expect(value(card('roas', null, 2))).toBe('—');
    expect(value(card('revenue', 4000, 3000))).toBe('$4,000.00');
    expect(line(card('roas', 3.2, 2)).classes()).toContain('good');
    expect(
      line(card('roas', 1.6, 3.2))
        .get('[data-testid=kpi-delta]')
        .text(),
    ).toBe('-50.0%');
    expect(line(card('roas', 1.6, 3.2)).classes()).toContain('bad');
    expect(line(card('revenue', 4000, 3000)).classes()).toContain('good');
    const cpa = card('costPerActivation', 12, 10);
    expect(cpa.get('h3').text()).toBe(KPIS.costPerActivation.label);
    expect(line(cpa).classes()).toContain('bad');
    expect(line(cpa).get('[data-testid=kpi-verdict]').text()).toBe('worse');
  });

  it('tells a rate’s change in percentage points: CTR 2% → 3% is +1.0 pp, not +50%', () => {
    const ctr = line(card('ctr', 0.03, 0.02));
    expect(ctr.get('[data-testid=kpi-delta]').text()).toBe('+1.0 pp');
    expect(ctr.text()).not.toContain('50');
    expect(ctr.text()).toContain('▲');
    expect(ctr.attributes('data-unit')).toBe('percentagePoints');
    expect(ctr.classes()).toContain('good');
    expect(ctr.get('[data-testid=kpi-verdict]').text()).toBe('better');
    expect(ctr.attributes('aria-label')).toBe('up +1.0 pp vs previous 1 h, better');
    expect(
      line(card('signupToActivation', 0.4, 0.75))
        .get('[data-testid=kpi-delta]')
        .text(),
    ).toBe('-35.0 pp');
  });

  it('tells counts and money in percent, with an arrow and a word besides the colour', () => {
    const clicks = line(card('clicks', 1123, 1000));
    expect(clicks.get('[data-testid=kpi-delta]').text()).toBe('+12.3%');
    expect(clicks.text()).toContain('▲');
    expect(clicks.classes()).toContain('good');

    const down = line(card('activations', 600, 1000));
    expect(down.get('[data-testid=kpi-delta]').text()).toBe('-40.0%');
    expect(down.text()).toContain('▼');
    expect(down.classes()).toContain('bad');
    expect(down.get('[data-testid=kpi-verdict]').text()).toBe('worse');
  });

  it('colours by the registry: a rising cost red, a falling one green, spend neither, flat neither', () => {
    expect(line(card('cpc', 1.3, 1)).classes()).toContain('bad');
    expect(line(card('costPerActivation', 7, 10)).classes()).toContain('good');
    const spend = line(card('spend', 130, 100));
    expect(spend.classes()).toContain('neutral');
    expect(spend.find('[data-testid=kpi-verdict]').exists()).toBe(false);
    const flat = line(card('ctr', 0.0302, 0.03));
    expect(flat.get('[data-testid=kpi-delta]').text()).toBe('0.0 pp');
    expect(flat.text()).toContain('■');
    expect(flat.classes()).toContain('neutral');
  });

  it('says the comparison period had no data instead of n/a, without arrow or colour', () => {
    const empty = line(card('clicks', 42, 0, { comparisonHasData: false, comparisonLabel: 'vs same time last week' }));
    expect(empty.get('[data-testid=kpi-delta]').text()).toBe('no data in the comparison period');
    expect(empty.text()).not.toMatch(/[▲▼■]|n\/a/);
    expect(empty.classes()).toContain('neutral');
    expect(empty.get('[data-testid=kpi-vs]').text()).toBe('vs same time last week');
  });

  it('shows the comparison it used', () => {
    expect(
      line(card('clicks', 2, 1, { comparisonLabel: 'vs 1–7 Mar' }))
        .get('[data-testid=kpi-vs]')
        .text(),
    ).toBe('vs 1–7 Mar');
  });

  it('is labelled by the registry’s label, with its description as the tooltip', () => {
    const wrapper = card('clickToSignup', 0.1, 0.1);
    expect(wrapper.get('article').attributes('aria-labelledby')).toBe('kpi-clickToSignup-label');
    expect(wrapper.get('#kpi-clickToSignup-label').text()).toBe(KPIS.clickToSignup.label);
    expect(wrapper.get('#kpi-clickToSignup-label').attributes('title')).toBe(KPIS.clickToSignup.description);
  });
});
