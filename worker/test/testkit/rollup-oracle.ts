import type pg from 'pg';

/**
 * Brute-force GROUP BY over raw_events, written independently of the worker's SQL, and the stored rollups in the same
 * shape, so tests compare them row for row (numeric columns as exact strings; counts bigint on both sides, like the
 * stored columns, so they compare equal however the pg client parses int8).
 */
const COUNTS = `
  count(*) FILTER (WHERE event_type = 'ad_impression')::bigint AS impressions,
  count(*) FILTER (WHERE event_type = 'ad_click')::bigint AS clicks,
  count(*) FILTER (WHERE event_type = 'signup')::bigint AS signups,
  count(*) FILTER (WHERE event_type = 'activation')::bigint AS activations,
  coalesce(sum(cost) FILTER (WHERE event_type = 'ad_click'), 0)::numeric(20,6)::text AS cost,
  sum(cost)::numeric(20,6)::text AS total_cost`;

const RATIOS = `
  CASE WHEN impressions = 0 THEN 0 ELSE clicks::float8 / impressions END AS ctr,
  CASE WHEN clicks = 0 THEN 0 ELSE signups::float8 / clicks END AS click_to_signup,
  CASE WHEN signups = 0 THEN 0 ELSE activations::float8 / signups END AS signup_to_activation`;

export async function expectedHourly(client: pg.Pool | pg.ClientBase) {
  const { rows } = await client.query(`
    SELECT campaign_id, channel, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS hour,
      impressions, clicks, signups, activations, cost, total_cost, ${RATIOS}
    FROM (SELECT campaign_id, channel, date_trunc('hour', ts, 'UTC') AS hour, ${COUNTS}
          FROM raw_events GROUP BY 1, 2, 3) g
    ORDER BY 1, 2, 3`);
  return rows;
}

export async function expectedDaily(client: pg.Pool | pg.ClientBase) {
  const { rows } = await client.query(`
    SELECT campaign_id, channel, day::text AS day,
      impressions, clicks, signups, activations, cost, total_cost, ${RATIOS}
    FROM (SELECT campaign_id, channel, (ts AT TIME ZONE 'UTC')::date AS day, ${COUNTS}
          FROM raw_events GROUP BY 1, 2, 3) g
    ORDER BY 1, 2, 3`);
  return rows;
}

const STORED = `impressions, clicks, signups, activations, cost::text AS cost, total_cost::text AS total_cost,
  ctr, click_to_signup, signup_to_activation`;

export async function storedHourly(client: pg.Pool | pg.ClientBase) {
  const { rows } = await client.query(`
    SELECT campaign_id, channel, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS hour, ${STORED}
    FROM campaign_metrics_hourly ORDER BY campaign_id, channel, hour`);
  return rows;
}

export async function storedDaily(client: pg.Pool | pg.ClientBase) {
  const { rows } = await client.query(`
    SELECT campaign_id, channel, day::text AS day, ${STORED}
    FROM campaign_metrics_daily ORDER BY campaign_id, channel, day`);
  return rows;
}

/** Every rollup row with its updated_at, to prove a rerun rewrote nothing. */
export async function rollupSnapshot(client: pg.Pool | pg.ClientBase) {
  const hourly = await client.query(
    'SELECT *, xmin::text AS version FROM campaign_metrics_hourly ORDER BY campaign_id, channel, hour',
  );
  const daily = await client.query(
    'SELECT *, xmin::text AS version FROM campaign_metrics_daily ORDER BY campaign_id, channel, day',
  );
  return { hourly: hourly.rows, daily: daily.rows };
}
