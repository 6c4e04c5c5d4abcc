/**
 * A token bucket per client (ingest token, else IP): `ratePerSecond` events refill continuously up to `burst`.
 * Events, not requests, are counted, so one 10,000-event batch weighs what 10,000 single events do.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes `cost` tokens, or answers how many seconds to wait before the same request would pass. */
  take(client: string, cost: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, updated: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.ratePerSecond);
    bucket.updated = now;
    this.buckets.set(client, bucket);
    if (this.buckets.size > 10_000) this.forgetFullBuckets();
    const needed = Math.min(cost, this.burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= needed;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((needed - bucket.tokens) / this.ratePerSecond)) };
  }

  /** Full buckets carry no information; dropping them bounds memory under many distinct clients. */
  private forgetFullBuckets() {
    for (const [client, bucket] of this.buckets) if (bucket.tokens >= this.burst) this.buckets.delete(client);
  }
}
