import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_VALUE_SPREAD,
  ORIGINAL_CAMPAIGNS,
  Simulation,
  syntheticCampaigns,
  type SimulatedEvent,
  type SimulationOptions,
} from './simulation.ts';

const START = new Date('2026-11-20T00:00:00Z');
const BASE: SimulationOptions = {
  seed: 42,
  start: START,
  journeysPerSecond: 20,
  campaigns: ORIGINAL_CAMPAIGNS,
  users: 2000,
};

/** Every event of the journeys started in the first `ms`, steps included (drained an hour later). */
function run(options: Partial<SimulationOptions>, ms: number): SimulatedEvent[] {
  const simulation = new Simulation({ ...BASE, stopAt: new Date(START.getTime() + ms), ...options });
  return simulation.advanceTo(new Date(START.getTime() + ms + 3_600_000));
}

function countBy(events: SimulatedEvent[], campaignId: string) {
  const mine = events.filter((e) => e.campaignId === campaignId && !e.resend);
  const count = (type: string) => mine.filter((e) => e.eventType === type).length;
  const clicks = mine.filter((e) => e.eventType === 'AD_CLICK');
  const activations = mine.filter((e) => e.eventType === 'ACTIVATION');
  return {
    impressions: count('AD_IMPRESSION'),
    clicks: count('AD_CLICK'),
    signups: count('SIGNUP'),
    activations: count('ACTIVATION'),
    meanClickCost: clicks.reduce((sum, e) => sum + e.cost, 0) / clicks.length,
    meanActivationValue: activations.reduce((sum, e) => sum + e.revenue, 0) / activations.length,
  };
}

/** |observed − p| within 4.5 standard errors of a binomial proportion over n trials. */
function expectProportion(successes: number, n: number, p: number) {
  const tolerance = 4.5 * Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(successes / n - p), `${successes}/${n} vs ${p} ± ${tolerance.toFixed(4)}`).toBeLessThan(tolerance);
}

describe('Simulation', () => {
  it('gives the same events for the same seed and start, and others for another seed', () => {
    const first = run({}, 120_000);
    expect(first.length).toBeGreaterThan(2000);
    expect(run({}, 120_000)).toEqual(first);
    expect(run({ seed: 43 }, 120_000).map((e) => e.eventId)).not.toEqual(first.map((e) => e.eventId));
  });

  it('gives a later run with the same seed the same traffic but new event ids (else they would be duplicates)', () => {
    const first = run({}, 60_000);
    const later = new Simulation({ ...BASE, start: new Date(START.getTime() + 1) }).advanceTo(
      new Date(START.getTime() + 60_001),
    );
    const ids = new Set(first.map((e) => e.eventId));
    expect(later.some((e) => ids.has(e.eventId))).toBe(false);
    expect(later.slice(0, 100).map((e) => [e.campaignId, e.eventType])).toEqual(
      first.slice(0, 100).map((e) => [e.campaignId, e.eventType]),
    );
  });

  it('does not depend on how often it is polled', () => {
    const once = new Simulation(BASE).advanceTo(new Date(START.getTime() + 60_000));
    const stepped = new Simulation(BASE);
    const polled: SimulatedEvent[] = [];
    for (let ms = 250; ms <= 60_000; ms += 250) polled.push(...stepped.advanceTo(new Date(START.getTime() + ms)));
    expect(polled).toEqual(once);
  });

  it('emits events in time order, never ahead of the clock, with unique ids and the original shapes', () => {
    const simulation = new Simulation(BASE);
    let previous = 0;
    const ids = new Set<string>();
    for (let ms = 1000; ms <= 120_000; ms += 1000) {
      const until = START.getTime() + ms;
      for (const event of simulation.advanceTo(new Date(until))) {
        expect(event.ts.getTime()).toBeLessThanOrEqual(until);
        expect(event.ts.getTime()).toBeGreaterThanOrEqual(previous);
        previous = event.ts.getTime();
        expect(ids.has(event.eventId)).toBe(false);
        ids.add(event.eventId);
        expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(event.userId).toMatch(/^user_(0[0-1]\d{3})$/);
        if (event.eventType !== 'AD_CLICK') expect(event.cost).toBe(0);
        else expect(event.cost).toBeGreaterThanOrEqual(0);
        if (event.eventType !== 'ACTIVATION') expect(event.revenue).toBe(0);
        else expect(event.revenue).toBeGreaterThanOrEqual(0);
        expect(Math.round(event.revenue * 1e6) / 1e6).toBe(event.revenue);
      }
    }
    // 20 journeys/s for 2 minutes ≈ 2400 impressions.
    expect(ids.size).toBeGreaterThan(2200);
  });

  it('reproduces each campaign’s configured rates, click cost and activation value over a long run (4 hours simulated)', () => {
    const events = run({}, 4 * 3_600_000);
    for (const campaign of ORIGINAL_CAMPAIGNS) {
      const observed = countBy(events, campaign.campaignId);
      // Journeys pick campaigns uniformly: a quarter of 20/s.
      expectProportion(observed.impressions, 4 * 3600 * 20, 0.25);
      expectProportion(observed.clicks, observed.impressions, campaign.ctr);
      expectProportion(observed.signups, observed.clicks, campaign.clickToSignup);
      expectProportion(observed.activations, observed.signups, campaign.signupToActivation);
      const costTolerance = (4.5 * 0.15 * campaign.cpc) / Math.sqrt(observed.clicks);
      expect(Math.abs(observed.meanClickCost - campaign.cpc)).toBeLessThan(costTolerance);
      const valueTolerance =
        (4.5 * ACTIVATION_VALUE_SPREAD * campaign.valuePerActivation) / Math.sqrt(observed.activations);
      expect(Math.abs(observed.meanActivationValue - campaign.valuePerActivation)).toBeLessThan(valueTolerance);
    }
  }, 120_000); // ~300k events: seconds alone, much longer on a loaded machine

  it('keeps funnel order per user and campaign: no step outnumbers the one before it at any time', () => {
    const events = run({ users: 50 }, 3_600_000).sort((a, b) => a.ts.getTime() - b.ts.getTime());
    const order = ['AD_IMPRESSION', 'AD_CLICK', 'SIGNUP', 'ACTIVATION'] as const;
    const counts = new Map<string, number[]>();
    for (const event of events) {
      const key = `${event.userId}|${event.campaignId}`;
      const row = counts.get(key) ?? [0, 0, 0, 0];
      const step = order.indexOf(event.eventType as (typeof order)[number]);
      row[step]!++;
      if (step > 0)
        expect(row[step]!, `${key} ${event.eventType} at ${event.ts.toISOString()}`).toBeLessThanOrEqual(
          row[step - 1]!,
        );
      counts.set(key, row);
    }
  });

  it('ctr-drop degrades only its campaign, in alternating phases', () => {
    const phaseMs = 10 * 60_000;
    const events = run(
      { ctrDrop: { campaignId: 'camp_meta_prospecting', ctrFactor: 0.55, clickToSignupFactor: 0.7, phaseMs } },
      8 * phaseMs,
    );
    const inPhase = (degraded: boolean) =>
      events.filter((e) => Math.floor((e.ts.getTime() - START.getTime()) / phaseMs) % 2 === (degraded ? 1 : 0));
    // Clicks come ≤ 15 s after their impression: counting by event time blurs phase edges a little; the tolerance covers it.
    const degraded = countBy(inPhase(true), 'camp_meta_prospecting');
    const normal = countBy(inPhase(false), 'camp_meta_prospecting');
    expectProportion(degraded.clicks, degraded.impressions, 0.028 * 0.55);
    expectProportion(normal.clicks, normal.impressions, 0.028);
    const google = countBy(inPhase(true), 'camp_google_brand');
    expectProportion(google.clicks, google.impressions, 0.045);
  });

  it('late stamps a share of journeys minutes to hours in the past', () => {
    const simulation = new Simulation({
      ...BASE,
      late: { fraction: 0.1, minDelayMs: 60_000, maxDelayMs: 3 * 3_600_000 },
    });
    let late = 0;
    let impressions = 0;
    for (let ms = 1000; ms <= 600_000; ms += 1000) {
      const until = START.getTime() + ms;
      for (const event of simulation.advanceTo(new Date(until))) {
        if (event.eventType !== 'AD_IMPRESSION') continue;
        impressions++;
        const age = until - event.ts.getTime();
        if (age >= 60_000) {
          late++;
          expect(age).toBeLessThanOrEqual(3 * 3_600_000 + 1000);
        }
      }
    }
    expectProportion(late, impressions, 0.1);
  });

  it('duplicates re-sends a share of events with the same id, after the original', () => {
    const events = run({ duplicates: { fraction: 0.05 } }, 600_000);
    const originals = events.filter((e) => !e.resend);
    const resends = events.filter((e) => e.resend);
    expectProportion(resends.length, originals.length, 0.05);
    const seen = new Set<string>();
    for (const event of events) {
      if (event.resend) expect(seen.has(event.eventId)).toBe(true);
      else seen.add(event.eventId);
    }
    expect(seen.size).toBe(originals.length);
  });

  it('adds synthetic campaigns deterministically', () => {
    const extra = syntheticCampaigns(12, 7);
    expect(extra).toHaveLength(12);
    expect(syntheticCampaigns(12, 7)).toEqual(extra);
    expect(new Set(extra.map((c) => c.campaignId)).size).toBe(12);
    expect(extra.every((c) => c.valuePerActivation >= 10 && c.valuePerActivation <= 120)).toBe(true);
    expect(new Set(extra.map((c) => c.valuePerActivation)).size).toBeGreaterThan(1);
    const events = run({ campaigns: [...ORIGINAL_CAMPAIGNS, ...extra] }, 60_000);
    expect(new Set(events.map((e) => e.campaignId)).size).toBe(16);
  });
});
