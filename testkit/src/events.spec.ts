import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, funnelEvents, KEYS, randomEvents, graphqlEvent, toEventRow } from './events.ts';
import { seededRandom } from './random.ts';

describe('the event factory', () => {
  const from = Date.parse('2026-11-25T00:00:00Z');
  const options = { from, spanMs: 3_600_000, prefix: 'e' };

  it('gives the same events, ids included, for the same seed', () => {
    expect(randomEvents(seededRandom(7), 500, options)).toEqual(randomEvents(seededRandom(7), 500, options));
    expect(randomEvents(seededRandom(7), 500, options)).not.toEqual(randomEvents(seededRandom(8), 500, options));
  });

  it('covers every key and type, prices clicks and some other events, stays in the range', () => {
    const events = randomEvents(seededRandom(1), 3_000, options);
    expect(new Set(events.map((e) => `${e.campaign_id}|${e.channel}`)).size).toBe(KEYS.length);
    expect(new Set(events.map((e) => e.event_type))).toEqual(new Set(EVENT_TYPES));
    expect(events.filter((e) => e.event_type === 'ad_click').every((e) => e.cost >= 0)).toBe(true);
    expect(events.some((e) => e.event_type !== 'ad_click' && e.cost > 0)).toBe(true);
    expect(events.every((e) => Date.parse(e.ts) >= from && Date.parse(e.ts) < from + 3_600_000)).toBe(true);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });

  it('values mostly activations, leaves some of them at 0 and values a few other events, to 6 decimals', () => {
    const events = randomEvents(seededRandom(1), 3_000, options);
    const activations = events.filter((e) => e.event_type === 'activation');
    const valued = activations.filter((e) => (e.revenue ?? 0) > 0).length;
    expect(valued / activations.length).toBeGreaterThan(0.6);
    expect(valued).toBeLessThan(activations.length);
    expect(events.some((e) => e.event_type !== 'activation' && (e.revenue ?? 0) > 0)).toBe(true);
    expect(events.every((e) => e.revenue !== undefined && e.revenue >= 0 && e.revenue < 200)).toBe(true);
    expect(events.every((e) => Math.abs((e.revenue ?? 0) * 1e6 - Math.round((e.revenue ?? 0) * 1e6)) < 1e-6)).toBe(
      true,
    );
  });

  it('draws a fresh id prefix per call when none is given', () => {
    const random = seededRandom(3);
    const first = randomEvents(random, 10, { from, spanMs: 1000 });
    const second = randomEvents(random, 10, { from, spanMs: 1000 });
    expect(first[0]!.event_id).not.toBe(second[0]!.event_id);
  });

  it('delivers late events after later-stamped ones when asked', () => {
    const events = randomEvents(seededRandom(2), 1_000, { ...options, late: { fraction: 0.2 } });
    const times = events.map((e) => Date.parse(e.ts));
    const late = times.filter((t, i) => i > 0 && t < Math.max(...times.slice(0, i)));
    expect(late.length).toBeGreaterThan(50);
  });

  it('gives the GraphQL shape of an event', () => {
    const [event] = funnelEvents({ campaign_id: 'c', channel: 'google' }, new Date(from), { ad_click: 1 });
    expect(graphqlEvent(event!)).toEqual({
      eventId: event!.event_id,
      ts: event!.ts,
      userId: event!.user_id,
      campaignId: 'c',
      channel: 'google',
      eventType: 'AD_CLICK',
      cost: 0.5,
      revenue: 0,
    });
    const valued = { ...event!, event_type: 'activation' as const, revenue: 12.345678 };
    expect(graphqlEvent(valued).revenue).toBe(12.345678);
    expect(toEventRow(valued).revenue).toBe(12.345678);
    expect(toEventRow(event!).revenue).toBe(0);
  });
});
