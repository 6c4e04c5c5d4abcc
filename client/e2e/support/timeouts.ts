/**
 * How long a browser test waits for anything the app shows after an action: live pushes are throttled to ≤ 1/s by the
 * server, a mutation's answer is followed by urql re-reading the queries it invalidated, and a loaded CI machine gets
 * generous room. The e2e project makes it the default of every `expect.poll` too (vitest's own is 1 s).
 */
export const LIVE_TIMEOUT_MS = 20_000;
