import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the wait that would let the request pass', () => {
    let now = 0;
    const limiter = new RateLimiter(100, 200, () => now);
    expect(limiter.take('a', 150)).toEqual({ allowed: true });
    expect(limiter.take('a', 100)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500; // +50 tokens → 100
    expect(limiter.take('a', 100)).toEqual({ allowed: true });
  });

  it('keeps clients apart', () => {
    const limiter = new RateLimiter(1, 10, () => 0);
    expect(limiter.take('a', 10)).toEqual({ allowed: true });
    expect(limiter.take('b', 10)).toEqual({ allowed: true });
    expect(limiter.take('a', 1).allowed).toBe(false);
  });

  it('lets a request larger than the burst through when the bucket is full, so nothing is starved forever', () => {
    const limiter = new RateLimiter(10, 100, () => 0);
    expect(limiter.take('a', 1000)).toEqual({ allowed: true });
    expect(limiter.take('a', 1)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
