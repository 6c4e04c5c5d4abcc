import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { useThrottledRefresh } from './useThrottledRefresh.ts';

describe('useThrottledRefresh', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at most once per interval, and a request inside it runs at its end instead of being dropped', () => {
    const refresh = vi.fn();
    const scope = effectScope();
    const request = scope.run(() => useThrottledRefresh(refresh, 3_000))!;

    request();
    request();
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2_999);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    // The two requests were one read, at the end of the interval: the last change is read.
    expect(refresh).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(10_000);
    request();
    // Long after the last read: at once.
    vi.advanceTimersByTime(0);
    expect(refresh).toHaveBeenCalledTimes(2);

    request();
    scope.stop();
    vi.advanceTimersByTime(10_000);
    // A pending read is cancelled with its page.
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
