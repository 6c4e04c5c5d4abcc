/**
 * A subscriber's stream of a live value that only ever holds the newest one: a value pushed while the previous one
 * is still unread replaces it. A slow consumer therefore costs one pending value, never a growing buffer, and reads
 * the freshest state when it catches up.
 */
export class LatestValue<T> implements AsyncIterableIterator<T> {
  private pending: { value: T } | undefined;
  private waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  private failure: { error: unknown } | undefined;
  private done = false;
  /** True once any value was pushed (a first value computed later must not overwrite a newer tick's). */
  received = false;

  /** `onEnd` runs once when the consumer returns or the stream fails. */
  constructor(private readonly onEnd: () => void) {}

  push(value: T): void {
    if (this.done) return;
    this.received = true;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value, done: false });
    } else this.pending = { value };
  }

  /** Ends the stream with `error`: the consumer's next read rejects with it (after any value already pushed). */
  fail(error: unknown): void {
    if (this.done) return;
    this.finish();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.reject(error);
    } else this.failure = { error };
  }

  next(): Promise<IteratorResult<T>> {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      return Promise.resolve({ value: pending.value, done: false });
    }
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    this.pending = undefined;
    this.failure = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
  }
}
