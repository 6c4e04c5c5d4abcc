import { createRequire } from 'node:module';
import { defineProject } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineProject({
  // One graphql instance for the generator's documents and the in-process server of the delivery test (see server's).
  resolve: { alias: { graphql: require.resolve('graphql') } },
  // Tests drive real processes and servers: a loaded 2-core machine needs more than vitest's 5 s default.
  test: { name: 'generator', include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'], testTimeout: 30_000 },
});
