import { createRequire } from 'node:module';
import { defineProject } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineProject({
  // Vite would load graphql's ESM build for our code while Pothos and Yoga require its CJS build: two instances,
  // and graphql refuses types "from another module or realm". One resolved file for everyone.
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    name: 'server',
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts', 'bench/**/*.spec.ts'],
    // The `security` project (vitest.security.config.ts) runs these once, with its own timeouts.
    exclude: ['test/security/**'],
    // Tests drive real servers over HTTP: a loaded 2-core machine needs more than vitest's 5 s default.
    testTimeout: 30_000,
  },
});
