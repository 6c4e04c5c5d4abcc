import { createRequire } from 'node:module';
import { defineProject } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineProject({
  // One graphql instance for the generator's documents and the in-process servers (see server/vitest.config.ts).
  resolve: { alias: { graphql: require.resolve('graphql') } },
  // Each file runs real processes and its own PostgreSQL at times: one file at a time keeps the shared machine usable
  // and the faults deterministic. The project runs last and alone (group 2): processes are killed and restarted under
  // deadlines, which a machine loaded by other projects stretches.
  test: {
    name: 'faults',
    include: ['test/**/*.spec.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 2 },
    testTimeout: 180_000,
  },
});
