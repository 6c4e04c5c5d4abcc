import { readRetentionHorizons, type Logger } from '@pmd/db';
import {
  minuteRowsHorizon,
  RECORDED_HORIZONS_REFRESH_MS,
  rawEventsHorizon,
  type KeptRows,
  type RetentionSettings,
} from '@pmd/domain';
import type pg from 'pg';

/**
 * How far past this server's own horizon the worker's must be to count as settings that differ (the warning and the
 * gauge). Differing settings put the two a whole day apart; less is the two machines' clocks around midnight.
 */
const CLOCK_SKEW_MS = 3_600_000;

export interface RetentionInForceOptions {
  /** The primary's pool: the worker records its horizons there. */
  pool: pg.Pool;
  /** This server's RAW_EVENTS_RETENTION_DAYS and MINUTE_ROWS_RETENTION_DAYS. */
  configured: RetentionSettings;
  log: Logger;
}

/**
 * The retention reads and ingest go by: this server's own settings, and what the worker has already removed
 * (`retention_horizons`). With the same settings in both processes the worker's horizons are never the later ones;
 * with a worker keeping fewer days, they are, and every answer follows them: windows say where rows are gone, ingest
 * refuses events the next drop would delete, the campaign list reads raw events where minute rows were trimmed.
 */
export class RetentionInForce {
  /** `configured`, with the last reading of the worker's record as `removedBefore` once there is one. */
  private current: RetentionSettings;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RetentionInForceOptions) {
    this.current = options.configured;
  }

  /** The settings to pass to reads and ingest at this moment. */
  settings(): RetentionSettings {
    return this.current;
  }

  /** Per level, whether the last reading is past this server's own horizon at `now`. */
  removedPastSettings(now = new Date()): RemovedPastSettings {
    const { configured } = this.options;
    const removedBefore = this.current.removedBefore;
    return {
      rawEvents: isLater(removedBefore?.rawEvents ?? null, rawEventsHorizon(now, configured)),
      minuteRows: isLater(removedBefore?.minuteRows ?? null, minuteRowsHorizon(now, configured)),
    };
  }

  /**
   * Reads the recorded horizons, then again every RECORDED_HORIZONS_REFRESH_MS until `stop`. The worker moves them
   * once a UTC day per level (raw events at its first tick after midnight, minute rows an hour later) and removes rows
   * only once a move has stood for RECORDED_HORIZON_SETTLE_MS, so this server learns of it first.
   */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), RECORDED_HORIZONS_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the recorded horizons now (a failed read keeps the last ones: they only ever move forward). */
  async refresh(): Promise<void> {
    const { pool, configured, log } = this.options;
    let removedBefore: KeptRows;
    try {
      removedBefore = await readRetentionHorizons(pool);
    } catch (error) {
      log.warn({ err: error }, "could not read the worker's retention horizons; keeping the last reading");
      return;
    }
    const last = this.current.removedBefore;
    if (
      sameInstant(removedBefore.rawEvents, last?.rawEvents ?? null) &&
      sameInstant(removedBefore.minuteRows, last?.minuteRows ?? null)
    ) {
      return;
    }
    this.current = { ...configured, removedBefore };
    const past = this.removedPastSettings();
    if (past.rawEvents || past.minuteRows) {
      const now = new Date();
      log.warn(
        {
          rawEventsRemovedBefore: removedBefore.rawEvents?.toISOString() ?? null,
          minuteRowsRemovedBefore: removedBefore.minuteRows?.toISOString() ?? null,
          rawEventsKeptFrom: rawEventsHorizon(now, configured)?.toISOString() ?? null,
          minuteRowsKeptFrom: minuteRowsHorizon(now, configured)?.toISOString() ?? null,
        },
        "the worker has removed rows this server's retention settings keep (RAW_EVENTS_RETENTION_DAYS or " +
          'MINUTE_ROWS_RETENTION_DAYS differ between them): reads and ingest follow what the worker removed',
      );
    }
  }
}

/**
 * Per level, whether the worker has removed rows this server's own settings keep (its settings keep fewer days): the
 * warning above and the `pmd_retention_removed_past_settings` gauge.
 */
export interface RemovedPastSettings {
  rawEvents: boolean;
  minuteRows: boolean;
}

function sameInstant(a: Date | null, b: Date | null): boolean {
  return a?.getTime() === b?.getTime();
}

/** True when `removed` is past `own` by more than clock skew (null `own`: this server keeps everything). */
function isLater(removed: Date | null, own: Date | null): boolean {
  return removed !== null && (own === null || removed.getTime() > own.getTime() + CLOCK_SKEW_MS);
}
