import pg from 'pg';

/** An event in the original REST shape (snake_case), stamped a little before now so the rules accept it. */
export interface RestEvent {
  event_id: string;
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: 'ad_impression' | 'ad_click' | 'signup' | 'activation';
  cost?: number;
}

const TYPES = ['ad_impression', 'ad_click', 'signup', 'activation'] as const;
const CAMPAIGNS = [
  ['camp_google_brand', 'google'],
  ['camp_meta_prospecting', 'meta'],
  ['camp_tiktok_creative', 'tiktok'],
] as const;

/** The i-th event of a deterministic family: spread over 3 campaigns, 4 types and the last ~90 minutes. */
export function restEvent(i: number, prefix = 'evt'): RestEvent {
  const [campaign, channel] = CAMPAIGNS[i % CAMPAIGNS.length]!;
  const type = TYPES[i % TYPES.length]!;
  const base = Date.now() - 90 * 60_000;
  const ms = base - (base % 60_000) + ((i * 7_919) % (90 * 60_000));
  const micros = String((i * 37) % 1000).padStart(3, '0');
  return {
    event_id: `${prefix}-${i}`,
    ts: `${new Date(ms).toISOString().slice(0, -1)}${micros}+00:00`,
    user_id: `user_${String(i % 2000).padStart(5, '0')}`,
    campaign_id: campaign,
    channel,
    event_type: type,
    cost: type === 'ad_click' ? Math.round(((i % 97) / 50 + 0.1) * 1e6) / 1e6 : i % 11 === 0 ? 0.25 : 0,
  };
}

/** The same event as a GraphQL EventInput. */
export function graphqlEvent(event: RestEvent) {
  return {
    eventId: event.event_id,
    ts: event.ts,
    userId: event.user_id,
    campaignId: event.campaign_id,
    channel: event.channel,
    eventType: event.event_type.toUpperCase(),
    cost: event.cost,
  };
}

export interface StoredEvent {
  event_id: string;
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: string;
  cost: number;
}

/** raw_events with ts as a UTC ISO string with microseconds, ordered by event_id. */
export async function storedEvents(databaseUrl: string, where = 'true'): Promise<StoredEvent[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<StoredEvent>(`
      SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, user_id, campaign_id,
             channel, event_type, cost::float8 AS cost
      FROM raw_events WHERE ${where} ORDER BY event_id COLLATE "C"`);
    return rows;
  });
}

/** Rows of campaign_metrics_minute that differ from a brute-force GROUP BY over raw_events (empty when exact). */
export async function minuteRollupMismatches(databaseUrl: string): Promise<unknown[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(`
      WITH expected AS (
        SELECT campaign_id, channel, date_trunc('minute', ts, 'UTC') AS minute,
               count(*) FILTER (WHERE event_type = 'ad_impression')::int AS impressions,
               count(*) FILTER (WHERE event_type = 'ad_click')::int AS clicks,
               count(*) FILTER (WHERE event_type = 'signup')::int AS signups,
               count(*) FILTER (WHERE event_type = 'activation')::int AS activations,
               coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0)::numeric(20,6) AS cost,
               sum(cost)::numeric(20,6) AS total_cost
        FROM raw_events GROUP BY 1, 2, 3
      ),
      actual AS (
        SELECT campaign_id, channel, minute, impressions, clicks, signups, activations, cost, total_cost
        FROM campaign_metrics_minute
      )
      (SELECT 'missing' AS problem, * FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) a)
      UNION ALL
      (SELECT 'unexpected', * FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) b)`);
    return rows;
  });
}

export async function withClient<T>(databaseUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** What a valid input event looks like once stored (ts in UTC with microseconds, cost rounded to 6 decimals). */
export function expectedRow(event: RestEvent): StoredEvent {
  const [, fraction = ''] = /\.(\d+)/.exec(event.ts) ?? [];
  const ms = Date.parse(event.ts);
  return {
    event_id: event.event_id,
    ts: `${new Date(ms).toISOString().slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`,
    user_id: event.user_id,
    campaign_id: event.campaign_id,
    channel: event.channel,
    event_type: event.event_type,
    cost: Math.round((event.cost ?? 0) * 1e6) / 1e6,
  };
}
