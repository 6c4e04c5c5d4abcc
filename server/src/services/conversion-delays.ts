import { CONVERSION_STEP_NAMES, CONVERSION_STEPS, type ConversionStepName } from '@pmd/domain';
import type pg from 'pg';
import type { KpiFilter } from './kpi-window.ts';
import { MINUTE_MS, type TimeWindow } from './windows.ts';

/**
 * How long users take from one funnel step to the next, measured on raw events: each step event (a click, a signup,
 * an activation) is paired with the latest previous-step event (impression, click, signup) of the same user and
 * campaign at or before it. The read is bounded: only step events of the last DELAY_SAMPLE_MINUTES of the window are
 * paired, and their previous-step events are looked for from DELAY_LOOKBACK_MINUTES before that sample on, so it
 * scans at most three hours of raw events whatever the window.
 */
export const DELAY_SAMPLE_MINUTES = 120;
export const DELAY_LOOKBACK_MINUTES = 60;
/** Upper edges (seconds) of the histogram's buckets; a last bucket holds everything longer. */
export const DELAY_HISTOGRAM_EDGES = [1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600] as const;
/** Fewer pairs than this and a step's p90 is not trusted for judging health (its fallback is used instead). */
export const MIN_DELAY_PAIRS = 30;

export const DELAY_QUANTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;
type Quantiles = Record<keyof typeof DELAY_QUANTILES, number | null>;

export interface DelayBucket {
  /** Inclusive lower edge, seconds. */
  fromSeconds: number;
  /** Exclusive upper edge, seconds; null for the last bucket. */
  toSeconds: number | null;
  count: number;
}

export interface StepDelays extends Quantiles {
  step: ConversionStepName;
  pairs: number;
  histogram: DelayBucket[];
}

export interface ConversionDelays {
  /** The part of the window whose step events were paired. */
  sample: TimeWindow;
  /** Previous-step events were looked for from here on. */
  lookbackFrom: Date;
  steps: StepDelays[];
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** `CASE m.event_type WHEN 'ad_click' THEN <then(impressionToClick)> … END`: per step event, something of its step. */
const byStepEvent = (then: (step: ConversionStepName) => string) =>
  `CASE m.event_type ${CONVERSION_STEP_NAMES.map((step) => `WHEN ${quote(CONVERSION_STEPS[step].to)} THEN ${then(step)}`).join(' ')} END`;
const previousColumn = (step: ConversionStepName) => `previous_${step}`;
const STEP_EVENT_TYPES = [
  ...new Set(CONVERSION_STEP_NAMES.flatMap((step) => [CONVERSION_STEPS[step].from, CONVERSION_STEPS[step].to])),
];

// One pass over the events of every step type, ordered per (user, campaign) by time: for each row the latest time of
// each previous-step type so far. The window's default frame (RANGE … CURRENT ROW) includes rows of the same instant,
// so "at or before" holds for ties.
const DELAYS_SQL = `
WITH marked AS (
  SELECT e.event_type, e.ts,
         ${CONVERSION_STEP_NAMES.map(
           (step) =>
             `max(e.ts) FILTER (WHERE e.event_type = ${quote(CONVERSION_STEPS[step].from)}) OVER w AS ${previousColumn(step)}`,
         ).join(',\n         ')}
  FROM raw_events e
  WHERE e.ts >= $3 AND e.ts < $5
    AND e.event_type IN (${STEP_EVENT_TYPES.map(quote).join(', ')})
    AND ($1::text[] IS NULL OR e.campaign_id = ANY($1)) AND ($2::text[] IS NULL OR e.channel = ANY($2))
  WINDOW w AS (PARTITION BY e.user_id, e.campaign_id ORDER BY e.ts)
), pairs AS (
  SELECT ${byStepEvent(quote)} AS step,
         extract(epoch FROM m.ts - ${byStepEvent((step) => `m.${previousColumn(step)}`)})::float8 AS delay
  FROM marked m
  WHERE m.ts >= $4
)
SELECT step, count(*)::int AS pairs,
       percentile_disc(ARRAY[${Object.values(DELAY_QUANTILES).join(', ')}]::float8[]) WITHIN GROUP (ORDER BY delay) AS quantiles,
       ARRAY[${DELAY_HISTOGRAM_EDGES.map((edge) => `count(*) FILTER (WHERE delay < ${edge})`).join(', ')}]::int[] AS below
FROM pairs
WHERE step IS NOT NULL AND delay IS NOT NULL
GROUP BY step`;

/** The delay distribution of each step over (the last DELAY_SAMPLE_MINUTES of) a window. */
export async function conversionDelays(
  pool: pg.Pool,
  window: TimeWindow,
  filter: KpiFilter = {},
): Promise<ConversionDelays> {
  const to = window.to;
  const sampleFrom = new Date(Math.max(window.from.getTime(), to.getTime() - DELAY_SAMPLE_MINUTES * MINUTE_MS));
  const lookbackFrom = new Date(sampleFrom.getTime() - DELAY_LOOKBACK_MINUTES * MINUTE_MS);
  const { rows } = await pool.query<{ step: ConversionStepName; pairs: number; quantiles: number[]; below: number[] }>({
    name: 'conversion-delays',
    text: DELAYS_SQL,
    values: [
      filter.campaignIds?.length ? filter.campaignIds : null,
      filter.channels?.length ? filter.channels : null,
      lookbackFrom,
      sampleFrom,
      to,
    ],
  });
  const byStep = new Map(rows.map((row) => [row.step, row]));
  return {
    sample: { ...window, from: sampleFrom, to },
    lookbackFrom,
    steps: CONVERSION_STEP_NAMES.map((step) => {
      const row = byStep.get(step);
      const pairs = row?.pairs ?? 0;
      const quantiles = Object.fromEntries(
        Object.keys(DELAY_QUANTILES).map((name, i) => [name, row?.quantiles[i] ?? null]),
      ) as Quantiles;
      // Cumulative counts below each edge → the count of each bucket.
      const below = [...(row?.below ?? DELAY_HISTOGRAM_EDGES.map(() => 0)), pairs];
      const histogram = below.map((upTo, i) => ({
        fromSeconds: i === 0 ? 0 : DELAY_HISTOGRAM_EDGES[i - 1]!,
        toSeconds: DELAY_HISTOGRAM_EDGES[i] ?? null,
        count: upTo - (i === 0 ? 0 : below[i - 1]!),
      }));
      return { step, pairs, ...quantiles, histogram };
    }),
  };
}

/** The p90 delay (seconds) each step is judged with, and whether it was measured or the step's fallback. */
export type JudgingDelays = Record<ConversionStepName, { p90Seconds: number; measured: boolean }>;

const JUDGING_DELAYS_TTL_MS = 60_000;
const judgingDelayCache = new WeakMap<pg.Pool, { at: number; delays: Promise<JudgingDelays> }>();

/**
 * The delays health judging uses: measured over all campaigns in the last sample ending now, where the data has at
 * least MIN_DELAY_PAIRS pairs, else the step's fallback. A funnel's delays change slowly, so each pool (the request
 * pool and the live views' pool) measures once a minute, not per request.
 */
export function judgingDelays(pool: pg.Pool, now = Date.now()): Promise<JudgingDelays> {
  const cached = judgingDelayCache.get(pool);
  if (cached && now - cached.at < JUDGING_DELAYS_TTL_MS) return cached.delays;
  const delays = conversionDelays(pool, { from: new Date(now - DELAY_SAMPLE_MINUTES * MINUTE_MS), to: new Date(now) })
    .then(
      ({ steps }) =>
        Object.fromEntries(
          steps.map(({ step, pairs, p90 }) => [
            step,
            pairs >= MIN_DELAY_PAIRS && p90 !== null
              ? { p90Seconds: p90, measured: true }
              : { p90Seconds: CONVERSION_STEPS[step].fallbackP90Seconds, measured: false },
          ]),
        ) as JudgingDelays,
    )
    .catch((error: unknown) => {
      judgingDelayCache.delete(pool);
      throw error;
    });
  judgingDelayCache.set(pool, { at: now, delays });
  return delays;
}
