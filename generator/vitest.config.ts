import { createRequire } from 'node:module';
import { defineProject } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineProject({
  // One graphql instance for the generator's documents and the in-process server of the delivery test (see server's).
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: { name: 'generator', include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'] },
});
