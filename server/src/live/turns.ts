/**
 * Live work comes in bursts: a tick may compute hundreds of views and push each value to thousands of subscribers,
 * and every push runs its subscription's selection, serialization and websocket write in the same microtask drain.
 * Without a break, /health and ingest requests wait for the whole burst. Live work therefore takes turns of the event
 * loop: each view computation and each chunk of deliveries starts in a turn of its own, so the I/O callbacks of
 * waiting requests run in between.
 */

/** Subscribers served in one turn: large enough that yielding costs little, small enough to keep a turn short. */
export const DELIVERY_CHUNK = 100;

/**
 * Hands out turns of the event loop one at a time, to every view of a process: each caller resumes in a loop
 * iteration of its own (so two views yielding at once do not run back to back in the same check phase).
 */
export class LiveTurns {
  private last: Promise<void> = Promise.resolve();

  /** Resolves in the next turn not yet given to another caller. */
  take(): Promise<void> {
    const turn = this.last.then(nextTurn);
    this.last = turn;
    return turn;
  }

  /** Calls `deliver` for each item, `chunk` items per turn. */
  async forEach<T>(items: Iterable<T>, deliver: (item: T) => void, chunk = DELIVERY_CHUNK): Promise<void> {
    let inChunk = 0;
    for (const item of items) {
      if (inChunk === chunk) {
        await this.take();
        inChunk = 0;
      }
      deliver(item);
      inChunk += 1;
    }
  }
}

/** Resolves after one turn of the event loop: I/O callbacks (e.g. waiting HTTP requests) run first. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
