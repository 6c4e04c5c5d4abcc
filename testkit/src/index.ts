// The one test kit of the workspace: a seeded PRNG, an event factory, storing events with the ingest statement, and a
// brute-force oracle derived from the metric registry. Package-specific harnesses (server processes, worker job
// runners, fault injection) stay in each package's test/testkit/.
export * from './random.ts';
export * from './events.ts';
export * from './store.ts';
export * from './retention.ts';
export * from './oracle.ts';
export * from './expect.ts';
export * from './browser.ts';
