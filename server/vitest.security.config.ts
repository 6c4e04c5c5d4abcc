import { createRequire } from 'node:module';
import { defineProject } from 'vitest/config';

const require = createRequire(import.meta.url);

// Attacks replayed against real server processes. Each file starts its own server and sends it hundreds of
// megabytes, so files run one after another: the RSS a file measures is its own server's, not a neighbour's load.
export default defineProject({
  // The same single graphql instance as the `server` project (see vitest.config.ts).
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    name: 'security',
    include: ['test/security/**/*.spec.ts'],
    fileParallelism: false,
    // After every other project (group 0) and before the fault tests (group 2): its uploads and the faults' kills
    // would otherwise load the machine under each other's timing-sensitive steps.
    sequence: { groupOrder: 1 },
    testTimeout: 120_000,
    hookTimeout: 90_000,
  },
});
