import type { TestEvent } from './ingest.ts';

export interface TrafficRates {
  /** Per minute; fractions are spread exactly (cumulative rounding), so totals are floor(minutes × rate). */
  impressions: number;
  clicks: number;
  signups?: number;
  cpc?: number;
}

/** Deterministic events for one campaign+channel over [start, start + minutes), one timestamp per minute. */
export function trafficEvents(
  key: { campaign_id: string; channel: string },
  start: Date,
  minutes: number,
  rates: TrafficRates,
  prefix: string,
): TestEvent[] {
  const events: TestEvent[] = [];
  const inMinute = (rate: number, i: number) => Math.floor((i + 1) * rate) - Math.floor(i * rate);
  for (let i = 0; i < minutes; i++) {
    const ts = new Date(start.getTime() + i * 60_000 + 30_000).toISOString();
    const add = (event_type: TestEvent['event_type'], count: number, cost: number) => {
      for (let n = 0; n < count; n++) {
        events.push({ event_id: `${prefix}-${events.length}`, ts, user_id: 'u', ...key, event_type, cost });
      }
    };
    add('ad_impression', inMinute(rates.impressions, i), 0);
    add('ad_click', inMinute(rates.clicks, i), rates.cpc ?? 0.8);
    add('signup', inMinute(rates.signups ?? 0, i), 0);
  }
  return events;
}
