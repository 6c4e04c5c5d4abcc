import type { Logger } from '@pmd/db';
import {
  COUNTER_NAMES,
  ROLLUP_COLUMNS,
  type EventsIngestedPayload,
  type KpiSums,
  type RollupsChangedPayload,
  ZERO_SUMS,
} from '@pmd/domain';
import type { LiveDatabase } from '../replica/live-replay.ts';
import type { KpiFilter, KpiGrouping, KpiSumsRow } from '../services/kpi-window.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Slots per minute: every counter in registry order, then how many minute rows the slot holds (a group "had data"). */
const WIDTH = COUNTER_NAMES.length + 1;
const PRESENT = COUNTER_NAMES.length;
/** Minutes held past the current hour at a (re)load, so the span moves (a full reload) every two hours or so. */
const AHEAD_MINUTES = 120;
/** Changes to data older than the span that views may still ask about (older askers recompute anyway). */
const OLD_CHANGES_KEPT = 1_000;

const MINUTE_ROWS_SQL = `
SELECT campaign_id, channel, (extract(epoch FROM minute) * 1000)::float8 AS at,
       ${ROLLUP_COLUMNS.map((column) => `${column}::float8`).join(', ')}
FROM campaign_metrics_minute
WHERE minute >= $1 AND minute < $2 AND ($3::text[] IS NULL OR campaign_id = ANY($3))`;

/**
 * Per-minute counters of one group (campaign × channel, campaign, channel, or everything) over the store's slots, with
 * running totals, so any range of minutes sums in one subtraction per counter whatever its length.
 */
class Series {
  readonly values: Float64Array;
  readonly prefix: Float64Array;
  /** First slot whose running totals are out of date. */
  staleFrom = Number.POSITIVE_INFINITY;

  constructor(
    readonly campaignId: string | undefined,
    readonly channel: string | undefined,
    slots: number,
  ) {
    this.values = new Float64Array(slots * WIDTH);
    this.prefix = new Float64Array((slots + 1) * WIDTH);
  }

  rebuildPrefix(): void {
    const slots = this.values.length / WIDTH;
    for (let slot = Math.max(0, this.staleFrom); slot < slots; slot++) {
      for (let c = 0; c < WIDTH; c++) {
        this.prefix[(slot + 1) * WIDTH + c] = this.prefix[slot * WIDTH + c]! + this.values[slot * WIDTH + c]!;
      }
    }
    this.staleFrom = Number.POSITIVE_INFINITY;
  }
}

type Level = 'key' | 'campaign' | 'channel' | 'all';

/** What the notifications since the last refresh named: campaigns (null: all of them) and a range of minutes. */
interface Pending {
  campaignIds: Set<string> | null;
  from: number;
  to: number;
}

/** A change to data before the span: views holding sums of that part read them again. */
interface OldChange {
  seq: number;
  from: number;
  to: number;
  campaignIds: Set<string> | null;
}

/**
 * The recent minute rows of `campaign_metrics_minute`, held once per process for every live view: loaded at start,
 * then refreshed with ONE query per tick over what the notifications since the last refresh named (their campaigns,
 * all when truncated, and their minutes clipped to the span), replacing those rows. Minute rows are written in the
 * ingest transaction, and a notification is delivered after its commit, so a refresh that follows the notification
 * makes the store exact. Anything of unknown scope (a listener reconnect, the span moving) reloads everything.
 *
 * The span is [spanStart, spanEnd): whole hours, from `memoryHours` before the hour of its last (re)load to
 * AHEAD_MINUTES after that hour's end; it is reloaded when the current minute would end past it. Changes named before the span are remembered (`oldChangedSince`) for the views' cached older sums.
 */
export class MinuteStore {
  private spanStartMs = 0;
  private slots = 0;
  private readonly levels = new Map<Level, Map<string, Series>>();
  private pending: Pending | undefined;
  private reloadWanted = true;
  /** Notifications noted, and the last one a finished refresh covered. */
  private noted = 0;
  private applied = 0;
  private refreshing: Promise<void> | undefined;
  private oldChanges: OldChange[] = [];
  private oldSeq = 0;

  constructor(
    private readonly database: LiveDatabase,
    private readonly log: Logger,
    private readonly memoryHours: number,
    private readonly now: () => number = Date.now,
  ) {}

  get spanStart(): number {
    return this.spanStartMs;
  }

  get spanEnd(): number {
    return this.spanStartMs + this.slots * MINUTE_MS;
  }

  /** The sequence number of the last change noted before the span (for `oldChangedSince`). */
  get oldVersion(): number {
    return this.oldSeq;
  }

  /** New rows committed for these campaigns and event times. */
  noteIngested(payload: EventsIngestedPayload): void {
    const campaigns = payload.truncated ? null : payload.campaignIds;
    const from = Math.floor(Date.parse(payload.minTs) / MINUTE_MS) * MINUTE_MS;
    const to = Math.floor(Date.parse(payload.maxTs) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    this.note(campaigns, from, to);
  }

  /**
   * A worker run rewrote rollups. Minute rows change only with ingest and minute rebuilds (which notify as ingest
   * does), and a window sum is the same whichever level holds a minute; the older sums views hold over what the run
   * touched are read again all the same, in case a row changed under them (correctness first).
   */
  noteRollupsChanged(payload: RollupsChangedPayload): void {
    const grain = payload.grain === 'day' ? 24 * HOUR_MS : HOUR_MS;
    const [from, to] = [Date.parse(payload.from), Date.parse(payload.to) + grain];
    if (Number.isNaN(from) || Number.isNaN(to)) this.noteUnknownChange();
    else this.recordOld(null, from, to);
  }

  /** Notifications may have been missed (listener reconnect): read everything again. */
  noteUnknownChange(): void {
    this.reloadWanted = true;
    this.noted += 1;
    this.recordOld(null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  /** Kept unclipped: a reload running meanwhile may move the span; `refresh` clips to the span it then has. */
  private note(campaigns: readonly string[] | null, from: number, to: number): void {
    if (Number.isNaN(from) || Number.isNaN(to)) {
      this.noteUnknownChange();
      return;
    }
    this.noted += 1;
    if (from < this.spanStartMs || this.slots === 0) this.recordOld(campaigns, from, to);
    const pending = this.pending;
    if (!pending) {
      this.pending = { campaignIds: campaigns ? new Set(campaigns) : null, from, to };
      return;
    }
    if (campaigns === null) pending.campaignIds = null;
    else for (const id of campaigns) pending.campaignIds?.add(id);
    pending.from = Math.min(pending.from, from);
    pending.to = Math.max(pending.to, to);
  }

  private recordOld(campaigns: readonly string[] | null, from: number, to: number): void {
    this.oldSeq += 1;
    this.oldChanges.push({ seq: this.oldSeq, from, to, campaignIds: campaigns ? new Set(campaigns) : null });
    if (this.oldChanges.length > OLD_CHANGES_KEPT) this.oldChanges.splice(0, this.oldChanges.length - OLD_CHANGES_KEPT);
  }

  /**
   * Whether data in [from, to) of these campaigns (null: any) may have changed after change `since`: sums read before
   * are stale then. A change older than the remembered ones counts as one.
   */
  oldChangedSince(since: number, from: number, to: number, campaignIds: readonly string[] | null | undefined): boolean {
    if (since >= this.oldSeq) return false;
    const first = this.oldChanges[0];
    if (!first || first.seq > since + 1) return true;
    return this.oldChanges.some(
      (change) =>
        change.seq > since &&
        change.from < to &&
        change.to > from &&
        (!change.campaignIds || !campaignIds?.length || campaignIds.some((id) => change.campaignIds!.has(id))),
    );
  }

  /**
   * Makes the store reflect every notification noted before this call: waits for a running refresh, then runs one
   * more if something was noted since it started. Callers of one tick share the refresh.
   */
  async fresh(): Promise<void> {
    const wanted = this.noted;
    while (this.applied < wanted || this.reloadWanted || this.now() + MINUTE_MS > this.spanEnd) {
      if (!this.refreshing) {
        this.refreshing = this.refresh().finally(() => {
          this.refreshing = undefined;
        });
      }
      await this.refreshing;
    }
  }

  private async refresh(): Promise<void> {
    const covers = this.noted;
    if (this.reloadWanted || this.now() + MINUTE_MS > this.spanEnd) {
      await this.reload(covers);
      return;
    }
    const named = this.pending;
    this.pending = undefined;
    const pending = named && {
      ...named,
      from: Math.max(named.from, this.spanStartMs),
      to: Math.min(named.to, this.spanEnd),
    };
    if (pending && pending.from < pending.to) {
      const campaigns = pending.campaignIds ? [...pending.campaignIds] : null;
      try {
        // `covers` and the pending names were taken before this wait: what is noted meanwhile is left for the next
        // refresh, never counted as applied by a read that may not see it.
        const pool = await this.database.readable();
        const { rows } = await pool.query({
          name: 'live-minute-rows',
          text: MINUTE_ROWS_SQL,
          values: [new Date(pending.from), new Date(pending.to), campaigns],
          rowMode: 'array',
        });
        this.replace(pending, rows);
      } catch (error) {
        this.reloadWanted = true;
        throw error;
      }
    }
    this.applied = covers;
  }

  /** Loads the whole span again (the span moves to the current hour). */
  private async reload(covers: number): Promise<void> {
    const hour = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    const spanStart = hour - this.memoryHours * HOUR_MS;
    const slots = this.memoryHours * 60 + 60 + AHEAD_MINUTES;
    this.reloadWanted = false;
    this.pending = undefined;
    try {
      const pool = await this.database.readable();
      const { rows } = await pool.query({
        name: 'live-minute-rows',
        text: MINUTE_ROWS_SQL,
        values: [new Date(spanStart), new Date(spanStart + slots * MINUTE_MS), null],
        rowMode: 'array',
      });
      if (spanStart !== this.spanStartMs) this.recordOld(null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
      this.spanStartMs = spanStart;
      this.slots = slots;
      this.levels.clear();
      this.replace({ campaignIds: null, from: spanStart, to: this.spanEnd }, rows);
      this.applied = covers;
      this.log.debug({ rows: rows.length, spanStart: new Date(spanStart) }, 'live minute store loaded');
    } catch (error) {
      this.reloadWanted = true;
      throw error;
    }
  }

  private series(level: Level, campaignId: string | undefined, channel: string | undefined): Series {
    let byKey = this.levels.get(level);
    if (!byKey) this.levels.set(level, (byKey = new Map()));
    const key = `${campaignId ?? ''}\u0000${channel ?? ''}`;
    let series = byKey.get(key);
    if (!series) byKey.set(key, (series = new Series(campaignId, channel, this.slots)));
    return series;
  }

  /** Replaces the rows of `scope` by `rows` (campaign, channel, minute ms, counters…), then the coarser levels. */
  private replace(scope: Pending, rows: unknown[][]): void {
    const [first, end] = [(scope.from - this.spanStartMs) / MINUTE_MS, (scope.to - this.spanStartMs) / MINUTE_MS];
    const keys = this.levels.get('key') ?? new Map<string, Series>();
    const touched = (series: Series) => {
      series.staleFrom = Math.min(series.staleFrom, first);
    };
    for (const series of keys.values()) {
      if (scope.campaignIds && !scope.campaignIds.has(series.campaignId!)) continue;
      series.values.fill(0, first * WIDTH, end * WIDTH);
      touched(series);
    }
    for (const row of rows) {
      const slot = ((row[2] as number) - this.spanStartMs) / MINUTE_MS;
      if (slot < first || slot >= end) continue;
      const series = this.series('key', row[0] as string, row[1] as string);
      touched(series);
      const at = slot * WIDTH;
      for (let c = 0; c < PRESENT; c++) series.values[at + c] = row[3 + c] as number;
      series.values[at + PRESENT] = 1;
    }
    // Coarser levels are sums of the key level over the same minutes: recomputed, never adjusted by differences.
    const coarser = [
      ['campaign', (s: Series) => [s.campaignId, undefined]],
      ['channel', (s: Series) => [undefined, s.channel]],
      ['all', () => [undefined, undefined]],
    ] as const;
    for (const [level, keyOf] of coarser) {
      for (const series of this.levels.get(level)?.values() ?? []) {
        if (level === 'campaign' && scope.campaignIds && !scope.campaignIds.has(series.campaignId!)) continue;
        series.values.fill(0, first * WIDTH, end * WIDTH);
        touched(series);
      }
      for (const source of this.levels.get('key')?.values() ?? []) {
        if (level === 'campaign' && scope.campaignIds && !scope.campaignIds.has(source.campaignId!)) continue;
        const [campaignId, channel] = keyOf(source);
        const target = this.series(level, campaignId, channel);
        touched(target);
        for (let i = first * WIDTH; i < end * WIDTH; i++) target.values[i]! += source.values[i]!;
      }
    }
    for (const byKey of this.levels.values()) {
      for (const series of byKey.values()) if (series.staleFrom !== Number.POSITIVE_INFINITY) series.rebuildPrefix();
    }
  }

  /**
   * Exact sums over [from, to) (whole minutes inside the span) per group, one row per group that had a minute row
   * there, in kpiWindowSums' shape. Reads the coarsest level that can still apply the filter.
   */
  sums(from: number, to: number, filter: KpiFilter, grouping: KpiGrouping): KpiSumsRow[] {
    const byCampaign = Boolean(grouping.campaign || filter.campaignIds?.length);
    const byChannel = Boolean(grouping.channel || filter.channels?.length);
    const level: Level = byCampaign ? (byChannel ? 'key' : 'campaign') : byChannel ? 'channel' : 'all';
    const [a, b] = [(from - this.spanStartMs) / MINUTE_MS, (to - this.spanStartMs) / MINUTE_MS];
    const campaigns = filter.campaignIds?.length ? new Set(filter.campaignIds) : null;
    const channels = filter.channels?.length ? new Set(filter.channels) : null;
    const groups = new Map<string, { campaignId?: string; channel?: string; sums: Float64Array }>();
    for (const series of this.levels.get(level)?.values() ?? []) {
      if (campaigns && !campaigns.has(series.campaignId!)) continue;
      if (channels && !channels.has(series.channel!)) continue;
      if (series.prefix[b * WIDTH + PRESENT]! - series.prefix[a * WIDTH + PRESENT]! === 0) continue;
      const campaignId = grouping.campaign ? series.campaignId : undefined;
      const channel = grouping.channel ? series.channel : undefined;
      const key = `${campaignId ?? ''}\u0000${channel ?? ''}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { campaignId, channel, sums: new Float64Array(WIDTH) }));
      for (let c = 0; c < WIDTH; c++) group.sums[c]! += series.prefix[b * WIDTH + c]! - series.prefix[a * WIDTH + c]!;
    }
    const rows = [...groups.values()].map(({ campaignId, channel, sums }) => ({
      ...(grouping.campaign ? { campaignId } : {}),
      ...(grouping.channel ? { channel } : {}),
      ...sumsOf(sums),
    }));
    // Like SQL without GROUP BY: one overall row, zeros when nothing was there.
    if (!grouping.campaign && !grouping.channel && !rows.length) rows.push(ZERO_SUMS);
    return rows;
  }
}

function sumsOf(values: Float64Array): KpiSums {
  return Object.fromEntries(COUNTER_NAMES.map((name, index) => [name, values[index]!])) as KpiSums;
}
