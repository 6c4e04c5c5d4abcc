import { describe, expect, it } from 'vitest';
import { withClient } from '@pmd/testkit';
import { graphql, useTestServer } from '../testkit/server.ts';

const HOUR = 3_600_000;
/** Past 2^32: a hot campaign-day's counters, stored as bigint, and more than GraphQL's 32-bit Int can hold. */
const HUGE = 5_000_000_123;

describe('rollup counters past 2^31', () => {
  const server = useTestServer();

  it('are read exactly over GraphQL and REST', async () => {
    const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
    const day = hour.toISOString().slice(0, 10);
    await withClient(server.current.databaseUrl, async (client) => {
      for (const table of [
        'campaign_metrics_minute (campaign_id, channel, minute',
        'campaign_metrics_hourly (campaign_id, channel, hour',
      ]) {
        await client.query(
          `INSERT INTO ${table}, impressions, clicks, signups, activations) VALUES ('camp_hot', 'google', $1, $2, $2, $2, $2)`,
          [hour, HUGE],
        );
      }
      await client.query(
        `INSERT INTO campaign_metrics_daily (campaign_id, channel, day, impressions, clicks, signups, activations)
         VALUES ('camp_hot', 'google', $1, $2, $2, $2, $2)`,
        [day, HUGE],
      );
    });
    const counters = { impressions: HUGE, clicks: HUGE, signups: HUGE, activations: HUGE };

    const result = await graphql(
      server.current.baseUrl,
      `
        {
          campaign(campaignId: "camp_hot") {
            ... on Campaign {
              hourlyMetrics {
                hour
                impressions
                clicks
                signups
                activations
              }
              dailyMetrics {
                day
                impressions
                clicks
                signups
                activations
              }
            }
          }
        }
      `,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.campaign).toEqual({
      hourlyMetrics: [{ hour: hour.toISOString(), ...counters }],
      dailyMetrics: [{ day, ...counters }],
    });

    const rest = await fetch(`${server.current.baseUrl}/campaigns/camp_hot/kpis?hours=24`);
    expect(rest.status).toBe(200);
    const body = await rest.json();
    expect(body.rows).toEqual([expect.objectContaining({ hour: hour.toISOString(), ...counters })]);
  });
});
