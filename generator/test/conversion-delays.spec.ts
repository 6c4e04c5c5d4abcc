import { useTestDatabase } from '@pmd/db/testing';
import { CONVERSION_STEPS, HEALTH_RATIOS, judgingMinutes } from '@pmd/domain';
import { buildApp, type App } from '@pmd/server';
import { storeTestEvents, type TestEvent } from '@pmd/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGINAL_CAMPAIGNS, Simulation } from '../src/simulation.ts';

const MINUTE = 60_000;

/**
 * The delay distribution of the generator's own journeys, measured the way the health status measures it: one
 * simulated hour of the original four campaigns (20 journeys a second over 2,000 users) stored, then conversionDelays
 * over it. The simulation draws a click 0.5–15 s after its impression, a signup 5–120 s after the click and an
 * activation 30–600 s after the signup (uniform); pairing with the latest previous-step event of the same user and
 * campaign can only find an equal or later one, so the measured quantiles are at most the drawn ones (up to sampling error).
 */
describe("conversion delays of the generator's simulation", () => {
  const database = useTestDatabase();
  let app: App;
  const end = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE);

  beforeAll(async () => {
    const start = new Date(end.getTime() - 70 * MINUTE);
    const simulation = new Simulation({
      seed: 13,
      start,
      stopAt: new Date(end.getTime() - 10 * MINUTE),
      journeysPerSecond: 20,
      campaigns: ORIGINAL_CAMPAIGNS,
      users: 2_000,
    });
    const events: TestEvent[] = simulation.advanceTo(end).map((event) => ({
      event_id: event.eventId,
      ts: event.ts.toISOString(),
      user_id: event.userId,
      campaign_id: event.campaignId,
      channel: event.channel,
      event_type: event.eventType.toLowerCase() as TestEvent['event_type'],
      cost: event.cost,
    }));
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await storeTestEvents(pool, events);
    } finally {
      await pool.end();
    }
    app = buildApp({ databaseUrl: database.url });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
  });

  it('is measured per step, and sets how long each ratio is judged over', async () => {
    const response = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query ($window: WindowInput!) { conversionDelays(window: $window) {
          ... on ConversionDelays { steps { step pairs p50 p90 p95 p99 histogram { fromSeconds toSeconds count } } } } }`,
        variables: {
          window: { from: new Date(end.getTime() - 60 * MINUTE).toISOString(), to: end.toISOString() },
        },
      }),
    });
    const { data } = (await response.json()) as {
      data: { conversionDelays: { steps: { step: string; pairs: number; p50: number; p90: number }[] } };
    };
    const steps = Object.fromEntries(data.conversionDelays.steps.map((step) => [step.step, step]));
    for (const step of data.conversionDelays.steps)
      console.info(`simulation delays (seconds): ${JSON.stringify(step)}`);
    const drawn: Record<string, [low: number, high: number]> = {
      IMPRESSION_TO_CLICK: [0.5, 15],
      CLICK_TO_SIGNUP: [5, 120],
      SIGNUP_TO_ACTIVATION: [30, 600],
    };
    for (const [step, [low, high]] of Object.entries(drawn)) {
      expect(steps[step]!.pairs, step).toBeGreaterThan(200);
      // The drawn p90, give or take the sampling error of a few hundred pairs (5 % of the range).
      expect(steps[step]!.p90, step).toBeLessThanOrEqual(low + 0.95 * (high - low));
    }
    // Most journeys do not overlap with another of the same user and campaign within a step's delay, so the measured
    // p90 of the long step stays close to the drawn one (543 s).
    expect(steps.SIGNUP_TO_ACTIVATION!.p90).toBeGreaterThan(450);
    const judged = judgingMinutes(15, steps.SIGNUP_TO_ACTIVATION!.p90);
    console.info(
      `a 15-minute view judges ${HEALTH_RATIOS.signupToActivation.label} over ${judged} minutes ` +
        `(${CONVERSION_STEPS.signupToActivation.label} p90 ${steps.SIGNUP_TO_ACTIVATION!.p90.toFixed(1)} s), ` +
        `CTR over ${judgingMinutes(15, steps.IMPRESSION_TO_CLICK!.p90)} minutes`,
    );
  });
});
