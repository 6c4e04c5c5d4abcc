import { ZERO_SUMS } from '@pmd/domain';
import type { LiveDatabase } from '../replica/live-replay.ts';
import { kpiWindowSums, type KpiFilter, type KpiGrouping, type KpiSumsRow } from '../services/kpi-window.ts';
import type { KpiSumsSource } from '../services/sums-source.ts';
import type { TimeWindow } from '../services/windows.ts';
import type { MinuteStore } from './minute-store.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Older sums a view has not asked for in this long are let go (its window moved on). */
const UNUSED_OLD_SUMS_MS = 5 * MINUTE_MS;

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const isWholeMinute = (date: Date) => date.getTime() % MINUTE_MS === 0;

/**
 * A live window ends at the end of the current minute instead of now: live sums are exact only over whole minutes
 * (sub-minute edges would need raw events), and the current minute's events count from the moment they commit. A
 * window that ends now (`lastMinutes`, `today`, `thisMonth`, a `from` without `to`) moves its end there; `lastMinutes`
 * keeps its length. Explicit instants stay as given (with sub-minute edges they are summed in SQL).
 */
export function liveWindow(resolve: (now: Date) => TimeWindow, keepsLength: boolean, now = Date.now()): TimeWindow {
  const window = resolve(new Date(now));
  if (window.to.getTime() !== now) return window;
  const end = floorTo(now, MINUTE_MS) + MINUTE_MS;
  const from = keepsLength ? window.from.getTime() + end - now : window.from.getTime();
  return { ...window, from: new Date(from), to: new Date(end) };
}

interface OldSums {
  /** The store's old-data version the sums were read at. */
  version: number;
  rows: Promise<KpiSumsRow[]>;
  usedAt: number;
}

/**
 * Older sums read from the database, shared by every live view of the process: views whose windows start in the same
 * hour with the same filter and grouping read that hour's minutes once. Keys carry no zone: sums without buckets and
 * per-minute sums are the same in every zone.
 */
export class OlderSumsCache {
  readonly entries = new Map<string, OldSums>();
  private prunedAt = Date.now();

  /** Lets go of sums no view asked for lately (at most once a minute: a sweep costs a pass over every entry). */
  prune(now = Date.now()): void {
    if (now - this.prunedAt < MINUTE_MS) return;
    this.prunedAt = now;
    for (const [key, entry] of this.entries) if (now - entry.usedAt > UNUSED_OLD_SUMS_MS) this.entries.delete(key);
  }
}

/**
 * The sums source of one live view: the part of a window inside the store's span from memory, the part before it from
 * SQL (kpiWindowSums), cached while the store says nothing changed there. The older part is cut at whole hours and
 * its partial first hour read per minute, so a sliding window re-reads the database about once an hour, not at every
 * minute boundary. Windows with sub-minute edges or time buckets are summed in SQL as before.
 */
export class LiveSums {
  /** The older part of each window asked for (at most a few per view: its window and its comparison window). */
  private merged = new Map<string, OldSums>();

  constructor(
    private readonly store: MinuteStore,
    private readonly database: LiveDatabase,
    private readonly shared: OlderSumsCache,
  ) {}

  readonly source: KpiSumsSource = async (window, filter, grouping) => {
    if (grouping.bucket || !isWholeMinute(window.from) || !isWholeMinute(window.to)) {
      return kpiWindowSums(await this.database.readable(), window, filter, grouping);
    }
    await this.store.fresh();
    const [from, to] = [window.from.getTime(), window.to.getTime()];
    const { spanStart, spanEnd } = this.store;
    if (to > spanEnd) return kpiWindowSums(await this.database.readable(), window, filter, grouping);
    // Memory first, synchronously: a reload while the older part is read may move the span.
    const recent = to > spanStart ? this.store.sums(Math.max(from, spanStart), to, filter, grouping) : [];
    const older = from < spanStart ? await this.older(window, Math.min(to, spanStart), filter, grouping) : [];
    this.forgetUnused();
    return merge([older, recent], grouping);
  };

  /**
   * Sums over [window.from, end), all before the span: the merged rows are kept until the range moves or the store
   * notes any change before its span, so a tick does not add up the first hour's minutes again.
   */
  private older(window: TimeWindow, end: number, filter: KpiFilter, grouping: KpiGrouping): Promise<KpiSumsRow[]> {
    const key = JSON.stringify([window.from.getTime(), end, window.timeZone, filter, grouping]);
    const held = this.merged.get(key);
    if (held && held.version === this.store.oldVersion) return held.rows;
    // The version before the reads wait for the standby: a change noted during the wait makes this entry stale.
    const version = this.store.oldVersion;
    const rows = this.readOlder(window, end, filter, grouping);
    const entry = { version, rows, usedAt: Date.now() };
    this.merged.set(key, entry);
    rows.catch(() => {
      if (this.merged.get(key) === entry) this.merged.delete(key);
    });
    return rows;
  }

  private async readOlder(window: TimeWindow, end: number, filter: KpiFilter, grouping: KpiGrouping) {
    const from = window.from.getTime();
    const firstHourEnd = Math.min(floorTo(from, HOUR_MS) + HOUR_MS, end);
    const parts: KpiSumsRow[][] = [];
    if (from % HOUR_MS !== 0) {
      // Per minute over the whole first hour: while the start slides inside it, the same rows serve.
      const perMinute = await this.cached(floorTo(from, HOUR_MS), firstHourEnd, filter, {
        ...grouping,
        bucket: 'minute',
      });
      parts.push(perMinute.filter((row) => row.bucket!.getTime() >= from));
    }
    const wholeFrom = from % HOUR_MS === 0 ? from : firstHourEnd;
    if (wholeFrom < end) parts.push(await this.cached(wholeFrom, end, filter, grouping));
    return merge(parts, grouping);
  }

  private async cached(from: number, to: number, filter: KpiFilter, grouping: KpiGrouping) {
    const key = JSON.stringify([from, to, filter, grouping]);
    const held = this.shared.entries.get(key);
    if (held && !this.store.oldChangedSince(held.version, from, to, filter.campaignIds)) {
      held.usedAt = Date.now();
      return held.rows;
    }
    // As in `older`: the version is taken before `readable()` waits, never after.
    const version = this.store.oldVersion;
    const rows = this.database
      .readable()
      .then((pool) => kpiWindowSums(pool, { from: new Date(from), to: new Date(to) }, filter, grouping));
    const entry = { version, rows, usedAt: Date.now() };
    this.shared.entries.set(key, entry);
    rows.catch(() => {
      if (this.shared.entries.get(key) === entry) this.shared.entries.delete(key);
    });
    return rows;
  }

  private forgetUnused(): void {
    this.shared.prune();
    // A sliding window leaves one merged entry behind per minute.
    if (this.merged.size > 8) this.merged = new Map([...this.merged].slice(-4));
  }
}

/** Adds the rows of disjoint parts of one window group by group (one overall row when not grouped). */
function merge(parts: KpiSumsRow[][], grouping: KpiGrouping): KpiSumsRow[] {
  const groups = new Map<string, KpiSumsRow>();
  for (const rows of parts) {
    for (const row of rows) {
      const key = `${grouping.campaign ? row.campaignId : ''}\u0000${grouping.channel ? row.channel : ''}`;
      const { campaignId, channel, bucket: _bucket, ...sums } = row;
      const group = groups.get(key);
      if (!group) {
        groups.set(key, {
          ...(grouping.campaign ? { campaignId } : {}),
          ...(grouping.channel ? { channel } : {}),
          ...sums,
        });
        continue;
      }
      const target = group as unknown as Record<string, number>;
      for (const [name, value] of Object.entries(sums)) target[name] = (target[name] ?? 0) + value;
    }
  }
  // Like SQL without GROUP BY: one overall row, zeros when nothing was there.
  if (!grouping.campaign && !grouping.channel && !groups.size) return [ZERO_SUMS];
  return [...groups.values()];
}
