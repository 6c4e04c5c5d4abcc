import { hasRatioVolume, metricView, ratioDenominator, type KpiSums, type RatioKpiName } from '@pmd/domain';

/** The conversion ratios the trend shows, one small chart each (top of the funnel first). */
export const TREND_RATIOS = ['ctr', 'clickToSignup', 'signupToActivation'] as const satisfies readonly RatioKpiName[];
export type TrendRatio = (typeof TREND_RATIOS)[number];

/** A time-series bucket as the trend's fragment selects it. */
export interface TrendBucket {
  bucket: string;
  bucketEnd: string;
  partial: boolean;
  totals: Partial<KpiSums> & Record<TrendRatio, number>;
}

export interface TrendPanelPoint {
  /** Start of the bucket, ms since the epoch (the x value). */
  time: number;
  bucketEnd: string;
  partial: boolean;
  /** The ratio, or null when the bucket holds too little of its denominator to draw it. */
  value: number | null;
  denominator: number;
}

export interface TrendPanel {
  ratio: TrendRatio;
  label: string;
  /** "impressions" for CTR: the volume the tooltip names. */
  denominatorLabel: string;
  points: TrendPanelPoint[];
  /** The line through whole buckets. */
  solid: (number | null)[];
  /** Dashed: partial buckets, joined to their whole neighbours so the line does not break. */
  dashed: (number | null)[];
}

/**
 * One panel per ratio. Buckets with too little volume (among them every bucket before the first with data) get no
 * point: a gap, never a 0 %. Partial buckets (the window covers only part of them, or they are not over yet) are
 * drawn dashed.
 */
export function trendPanels(buckets: readonly TrendBucket[]): TrendPanel[] {
  return TREND_RATIOS.map((ratio) => {
    const denominator = ratioDenominator(ratio);
    const points = buckets.map((bucket) => ({
      time: Date.parse(bucket.bucket),
      bucketEnd: bucket.bucketEnd,
      partial: bucket.partial,
      value: hasRatioVolume(ratio, bucket.totals) ? bucket.totals[ratio] : null,
      denominator: bucket.totals[denominator] ?? 0,
    }));
    const partialAt = (index: number) => points[index]?.partial === true;
    return {
      ratio,
      label: metricView(ratio).label,
      denominatorLabel: metricView(denominator).label.toLowerCase(),
      points,
      solid: points.map((point) => (point.partial ? null : point.value)),
      dashed: points.map((point, index) =>
        point.partial || partialAt(index - 1) || partialAt(index + 1) ? point.value : null,
      ),
    };
  });
}
