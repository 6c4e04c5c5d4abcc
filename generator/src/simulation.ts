import type { EventType } from './gql/graphql.ts';
import { Random } from '@pmd/testkit/random';

/**
 * One campaign's funnel: probabilities of each step given the previous one, the mean cost of a click and the mean
 * value (revenue) of an activation.
 */
export interface CampaignSpec {
  campaignId: string;
  channel: string;
  ctr: number;
  clickToSignup: number;
  signupToActivation: number;
  cpc: number;
  valuePerActivation: number;
}

/** Spread of an activation's value around its campaign's mean (standard deviation / mean): orders differ in size. */
export const ACTIVATION_VALUE_SPREAD = 0.3;

/** The original generator's four campaigns, one channel each. */
export const ORIGINAL_CAMPAIGNS: readonly CampaignSpec[] = [
  {
    campaignId: 'camp_google_brand',
    channel: 'google',
    ctr: 0.045,
    clickToSignup: 0.14,
    signupToActivation: 0.65,
    cpc: 0.9,
    valuePerActivation: 60,
  },
  {
    campaignId: 'camp_meta_prospecting',
    channel: 'meta',
    ctr: 0.028,
    clickToSignup: 0.1,
    signupToActivation: 0.55,
    cpc: 0.8,
    valuePerActivation: 45,
  },
  {
    campaignId: 'camp_tiktok_creative',
    channel: 'tiktok',
    ctr: 0.032,
    clickToSignup: 0.08,
    signupToActivation: 0.5,
    cpc: 0.6,
    valuePerActivation: 30,
  },
  {
    campaignId: 'camp_email_reactivation',
    channel: 'email',
    ctr: 0.07,
    clickToSignup: 0.2,
    signupToActivation: 0.75,
    cpc: 0.02,
    valuePerActivation: 25,
  },
];

const SYNTHETIC_CHANNELS = ['google', 'meta', 'tiktok', 'email', 'linkedin', 'youtube'];

/** `count` extra campaigns with plausible rates (for load), the same for the same seed. */
export function syntheticCampaigns(count: number, seed: number): CampaignSpec[] {
  const random = new Random(seed ^ 0x5eed_ca11);
  return Array.from({ length: count }, (_, i) => ({
    campaignId: `camp_synth_${String(i + 1).padStart(3, '0')}`,
    channel: SYNTHETIC_CHANNELS[i % SYNTHETIC_CHANNELS.length]!,
    ctr: round(random.between(0.01, 0.08)),
    clickToSignup: round(random.between(0.05, 0.25)),
    signupToActivation: round(random.between(0.4, 0.8)),
    cpc: round(random.between(0.2, 2.5)),
    valuePerActivation: round(random.between(10, 120)),
  }));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Like the original's injected anomaly, with phases long enough for an honest detector to confirm and clear it. */
export interface CtrDropScenario {
  campaignId: string;
  /** Multiplies the campaign's ctr during degraded phases (original: 0.55). */
  ctrFactor: number;
  /** Multiplies click→signup during degraded phases (original: 0.7). */
  clickToSignupFactor: number;
  /** Normal and degraded phases alternate, normal first, each this long (original: 2 minutes). */
  phaseMs: number;
}

export interface LateScenario {
  /** Share of journeys whose events arrive with old timestamps. */
  fraction: number;
  /** How old: uniform between these. */
  minDelayMs: number;
  maxDelayMs: number;
}

export interface DuplicatesScenario {
  /** Share of events sent a second time (same event id), a few seconds later. */
  fraction: number;
}

export interface SimulationOptions {
  seed: number;
  /** Simulated time the first journey may start. */
  start: Date;
  /** No journey starts after this (steps of earlier journeys still come); default: never stop. */
  stopAt?: Date;
  /** Mean journeys per second of simulated time (original: 20). */
  journeysPerSecond: number;
  campaigns: readonly CampaignSpec[];
  /** Users `user_00000` … (original: 2000). */
  users: number;
  /** Shape traffic by UTC hour of day (busy afternoons, quiet nights), for backfilled history. */
  diurnal?: boolean;
  ctrDrop?: CtrDropScenario;
  late?: LateScenario;
  duplicates?: DuplicatesScenario;
}

export interface SimulatedEvent {
  eventId: string;
  ts: Date;
  userId: string;
  campaignId: string;
  channel: string;
  eventType: EventType;
  cost: number;
  /** Conversion value; only activations carry one. */
  revenue: number;
  /** A re-send of an event already emitted (duplicates scenario). */
  resend: boolean;
}

interface Pending {
  emitAt: number;
  seq: number;
  event: SimulatedEvent;
}

/** Traffic multiplier by UTC hour: about 0.3 at 03:00, 1.6 at 15:00, mean ≈ 1. */
export function diurnalFactor(time: number): number {
  const hour = (time / 3_600_000) % 24;
  return 0.95 + 0.65 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
}

/**
 * A deterministic stream of user journeys (impression → click → signup → activation). Journeys start as a Poisson
 * process in simulated time; their later steps come seconds to minutes after the impression, for the same user.
 * `advanceTo(t)` returns every event due by `t` in emission order, so the stream depends only on the seed and the
 * start, not on how often it is polled.
 */
export class Simulation {
  private readonly random: Random;
  /** Event ids come from their own source seeded by seed and start: a run started later with the same seed must not
   * reuse the earlier run's ids, or ingest would take its events for duplicates. */
  private readonly ids: Random;
  private nextJourneyAt: number;
  private readonly pending: Pending[] = [];
  private seq = 0;

  constructor(private readonly options: SimulationOptions) {
    if (!options.campaigns.length) throw new Error('a simulation needs at least one campaign');
    this.random = new Random(options.seed);
    this.ids = new Random(fnv1a(`${options.seed}:${options.start.getTime()}`));
    this.nextJourneyAt = options.start.getTime();
  }

  /** Whether the ctr-drop scenario degrades its campaign at `time`. */
  degradedAt(time: number): boolean {
    const drop = this.options.ctrDrop;
    if (!drop) return false;
    return Math.floor((time - this.options.start.getTime()) / drop.phaseMs) % 2 === 1;
  }

  advanceTo(until: Date): SimulatedEvent[] {
    const limit = until.getTime();
    const lastStart = Math.min(limit, this.options.stopAt?.getTime() ?? Number.POSITIVE_INFINITY);
    while (this.nextJourneyAt <= lastStart) {
      this.startJourney(this.nextJourneyAt);
      const rate = this.options.journeysPerSecond * (this.options.diurnal ? diurnalFactor(this.nextJourneyAt) : 1);
      this.nextJourneyAt += this.random.exponential(rate) * 1000;
    }
    const due: SimulatedEvent[] = [];
    while (this.pending.length && this.pending[0]!.emitAt <= limit) due.push(this.pop().event);
    return due;
  }

  private startJourney(at: number): void {
    const { campaigns, users, late } = this.options;
    const campaign = campaigns[this.random.int(campaigns.length)]!;
    const userId = `user_${String(this.random.int(users)).padStart(5, '0')}`;
    const degraded = this.degradedAt(at) && campaign.campaignId === this.options.ctrDrop?.campaignId;
    const ctr = campaign.ctr * (degraded ? this.options.ctrDrop!.ctrFactor : 1);
    const clickToSignup = campaign.clickToSignup * (degraded ? this.options.ctrDrop!.clickToSignupFactor : 1);
    // A late journey is emitted on time but stamped in the past, as when a client replays a buffer after an outage.
    const age = late && this.random.chance(late.fraction) ? this.random.between(late.minDelayMs, late.maxDelayMs) : 0;

    const emit = (time: number, eventType: EventType, cost = 0, revenue = 0) =>
      this.schedule(time, {
        eventId: this.ids.uuid(),
        ts: new Date(time - age),
        userId,
        campaignId: campaign.campaignId,
        channel: campaign.channel,
        eventType,
        cost,
        revenue,
        resend: false,
      });

    emit(at, 'AD_IMPRESSION');
    if (!this.random.chance(ctr)) return;
    const clickAt = at + this.random.between(500, 15_000);
    emit(clickAt, 'AD_CLICK', Math.max(0, round6(this.random.normal(campaign.cpc, 0.15 * campaign.cpc))));
    if (!this.random.chance(clickToSignup)) return;
    const signupAt = clickAt + this.random.between(5_000, 120_000);
    emit(signupAt, 'SIGNUP');
    if (!this.random.chance(campaign.signupToActivation)) return;
    const activationAt = signupAt + this.random.between(30_000, 600_000);
    const value = this.random.normal(
      campaign.valuePerActivation,
      ACTIVATION_VALUE_SPREAD * campaign.valuePerActivation,
    );
    emit(activationAt, 'ACTIVATION', 0, Math.max(0, round6(value)));
  }

  private schedule(emitAt: number, event: SimulatedEvent): void {
    this.push({ emitAt, seq: this.seq++, event });
    const duplicates = this.options.duplicates;
    if (duplicates && this.random.chance(duplicates.fraction)) {
      this.push({
        emitAt: emitAt + this.random.between(1_000, 30_000),
        seq: this.seq++,
        event: { ...event, resend: true },
      });
    }
  }

  // A binary min-heap on (emitAt, seq): the order of equal times is the order of scheduling, so it is deterministic.
  private push(item: Pending): void {
    const heap = this.pending;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Pending {
    const heap = this.pending;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.emitAt < b.emitAt || (a.emitAt === b.emitAt && a.seq < b.seq);
}

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
