import type { EventRow } from '@pmd/db';
import { EVENT_TYPES, type EventTypeName } from '@pmd/domain';

/**
 * The one event factory. Events are built in the original REST shape (snake_case, what `POST /events` takes and what
 * `raw_events` stores); `graphqlEvent` gives the GraphQL `EventInput` shape and `toEventRow` the shape `storeEvents`
 * takes. Ids are deterministic (`${prefix}-${i}`), so the same seed gives the same events, ids included.
 */

export { EVENT_TYPES, type EventTypeName };

/** A valid event in the original REST shape. */
export interface TestEvent {
  event_id: string;
  /** ISO-8601 with an offset. */
  ts: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  event_type: EventTypeName;
  /** At most 6 decimals. */
  cost: number;
  /** Conversion value, at most 6 decimals; absent is 0 (as ingest reads it). */
  revenue?: number;
}

/** The same event as a GraphQL `EventInput`. */
export interface GraphqlEvent {
  eventId: string;
  ts: string;
  userId: string;
  campaignId: string;
  channel: string;
  eventType: Uppercase<EventTypeName>;
  cost: number;
  revenue: number;
}

export interface CampaignKey {
  campaign_id: string;
  channel: string;
}

/** The campaigns and channels random events spread over: one campaign on two channels, and two on one each. */
export const KEYS: readonly CampaignKey[] = [
  { campaign_id: 'camp_google_brand', channel: 'google' },
  { campaign_id: 'camp_google_brand', channel: 'meta' },
  { campaign_id: 'camp_meta_prospecting', channel: 'meta' },
  { campaign_id: 'camp_meta_prospecting', channel: 'instagram' },
  { campaign_id: 'camp_tiktok_creative', channel: 'tiktok' },
  { campaign_id: 'camp_email_reactivation', channel: 'email' },
];

/** Impressions four times as often as signups, clicks twice: every counter non-zero, ratios away from 0 and 1. */
const TYPE_WEIGHTS: readonly EventTypeName[] = [
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_impression',
  'ad_click',
  'ad_click',
  'signup',
  'activation',
];

export function graphqlEvent(event: TestEvent): GraphqlEvent {
  return {
    eventId: event.event_id,
    ts: event.ts,
    userId: event.user_id,
    campaignId: event.campaign_id,
    channel: event.channel,
    eventType: event.event_type.toUpperCase() as Uppercase<EventTypeName>,
    cost: event.cost,
    revenue: event.revenue ?? 0,
  };
}

export function toEventRow(event: TestEvent): EventRow {
  return {
    eventId: event.event_id,
    ts: event.ts,
    userId: event.user_id,
    campaignId: event.campaign_id,
    channel: event.channel,
    eventType: event.event_type,
    cost: event.cost,
    revenue: event.revenue ?? 0,
  };
}

export interface RandomEventsOptions {
  /** Event times are uniform in [from, to), or [from, from + spanMs). */
  from: Date | number;
  to?: Date | number;
  spanMs?: number;
  /** Ids are `${prefix}-${i}`; by default a prefix drawn from `random`, so calls sharing a source never collide. */
  prefix?: string;
  keys?: readonly CampaignKey[];
  /**
   * Late events: the returned order is arrival order, by time, except that this fraction of the events arrives up to
   * `maxDelayMs` after its own time (default 2 hours: past the hour it belongs to, whose rollup may have run).
   */
  late?: { fraction: number; maxDelayMs?: number };
}

/**
 * `count` random events over `keys`, every event type, click costs with 6 decimals and a tenth of the other events
 * priced too, so click cost and spend differ. Revenue (6 decimals) lands mostly on activations, a fifth of which
 * carry none, and on a twentieth of the other events, so revenue per activation is not revenue of activations alone
 * and ROAS, revenue and spend all vary independently.
 */
export function randomEvents(random: () => number, count: number, options: RandomEventsOptions): TestEvent[] {
  const from = new Date(options.from).getTime();
  const span = options.to !== undefined ? new Date(options.to).getTime() - from : options.spanMs;
  if (span === undefined) throw new Error('randomEvents: give `to` or `spanMs`');
  const keys = options.keys ?? KEYS;
  const prefix = options.prefix ?? `r${Math.floor(random() * 2 ** 32).toString(36)}`;
  const drawn = Array.from({ length: count }, (_, i) => {
    const key = keys[Math.floor(random() * keys.length)]!;
    const event_type = TYPE_WEIGHTS[Math.floor(random() * TYPE_WEIGHTS.length)]!;
    const priced = event_type === 'ad_click' || random() < 0.1;
    const valued = random() < (event_type === 'activation' ? 0.8 : 0.05);
    const ms = from + Math.floor(random() * span);
    const late = options.late && random() < options.late.fraction;
    const arrival = late ? ms + Math.floor(random() * (options.late?.maxDelayMs ?? 2 * 3_600_000)) : ms;
    const event: TestEvent = {
      event_id: `${prefix}-${i}`,
      ts: new Date(ms).toISOString(),
      user_id: `user_${String(Math.floor(random() * 2000)).padStart(5, '0')}`,
      ...key,
      event_type,
      cost: priced ? Math.floor(random() * 2_000_000) / 1_000_000 : 0,
      revenue: valued ? Math.floor(random() * 200_000_000) / 1_000_000 : 0,
    };
    return { event, arrival };
  });
  if (options.late) drawn.sort((a, b) => a.arrival - b.arrival);
  return drawn.map((d) => d.event);
}

/**
 * The i-th event of a deterministic family stamped in the last ~90 minutes (so ingest's time rules accept it), over 3
 * campaigns and the 4 types, with microseconds and an explicit offset in `ts` as the original's clients send them;
 * activations carry revenue, and every 13th other event some.
 */
export function restEvent(i: number, prefix = 'evt'): TestEvent {
  const key = [KEYS[0]!, KEYS[2]!, KEYS[4]!][i % 3]!;
  const event_type = EVENT_TYPES[i % EVENT_TYPES.length]!;
  const base = Date.now() - 90 * 60_000;
  const ms = base - (base % 60_000) + ((i * 7_919) % (90 * 60_000));
  const micros = String((i * 37) % 1000).padStart(3, '0');
  return {
    event_id: `${prefix}-${i}`,
    ts: `${new Date(ms).toISOString().slice(0, -1)}${micros}+00:00`,
    user_id: `user_${String(i % 2000).padStart(5, '0')}`,
    ...key,
    event_type,
    cost: event_type === 'ad_click' ? Math.round(((i % 97) / 50 + 0.1) * 1e6) / 1e6 : i % 11 === 0 ? 0.25 : 0,
    revenue:
      event_type === 'activation' ? Math.round(((i % 89) * 1.37 + 0.000001) * 1e6) / 1e6 : i % 13 === 0 ? 2.5 : 0,
  };
}

/**
 * The same event once stored: `ts` in UTC with microseconds (as `storedEvents` reads it), cost and revenue to 6
 * decimals, an absent revenue as 0.
 */
export function expectedRow(event: TestEvent): TestEvent {
  const [, fraction = ''] = /\.(\d+)/.exec(event.ts) ?? [];
  return {
    ...event,
    ts: `${new Date(Date.parse(event.ts)).toISOString().slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`,
    cost: Math.round((event.cost ?? 0) * 1e6) / 1e6,
    revenue: Math.round((event.revenue ?? 0) * 1e6) / 1e6,
  };
}

export interface TrafficRates {
  /** Per minute; fractions are spread exactly (cumulative rounding), so totals are floor(minutes × rate). */
  impressions: number;
  clicks: number;
  signups?: number;
  activations?: number;
  /** Cost of each click (default 0.8). */
  cpc?: number;
  /** Revenue of each activation (default 0). */
  activationValue?: number;
}

/** Steady traffic for one key over [start, start + minutes): every event of a minute at its 30th second. */
export function trafficEvents(
  key: CampaignKey,
  start: Date,
  minutes: number,
  rates: TrafficRates,
  prefix: string,
): TestEvent[] {
  const events: TestEvent[] = [];
  const inMinute = (rate: number, i: number) => Math.floor((i + 1) * rate) - Math.floor(i * rate);
  for (let i = 0; i < minutes; i++) {
    const ts = new Date(start.getTime() + i * 60_000 + 30_000).toISOString();
    const add = (event_type: EventTypeName, count: number, cost: number, revenue = 0) => {
      for (let n = 0; n < count; n++) {
        events.push({ event_id: `${prefix}-${events.length}`, ts, user_id: 'u', ...key, event_type, cost, revenue });
      }
    };
    add('ad_impression', inMinute(rates.impressions, i), 0);
    add('ad_click', inMinute(rates.clicks, i), rates.cpc ?? 0.8);
    add('signup', inMinute(rates.signups ?? 0, i), 0);
    add('activation', inMinute(rates.activations ?? 0, i), 0, rates.activationValue ?? 0);
  }
  return events;
}

/**
 * `counts` events of each type for one key, the n-th of a type 100 ms before `at` × n; clicks cost `clickCost`,
 * impressions a tenth of a cent. Ids are `${prefix}-${type}-${n}`.
 */
export function funnelEvents(
  key: CampaignKey,
  at: Date,
  counts: Partial<Record<EventTypeName, number>>,
  { clickCost = 0.5, prefix = `${key.campaign_id}-${key.channel}-${at.getTime()}` } = {},
): TestEvent[] {
  const costs: Record<EventTypeName, number> = { ad_impression: 0.001, ad_click: clickCost, signup: 0, activation: 0 };
  return EVENT_TYPES.flatMap((event_type) =>
    Array.from({ length: counts[event_type] ?? 0 }, (_, n) => ({
      event_id: `${prefix}-${event_type}-${n}`,
      ts: new Date(at.getTime() - n * 100).toISOString(),
      user_id: `user_${n}`,
      ...key,
      event_type,
      cost: costs[event_type],
    })),
  );
}
