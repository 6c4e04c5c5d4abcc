import { defineConfig } from 'vitest/config';

// One run for the whole workspace. The global setup starts one PostgreSQL (DATABASE_URL's, or an embedded one) and
// migrates a template database; every test file clones its own database from it.
export default defineConfig({
  test: {
    globalSetup: ['./prisma/src/testing/global-setup.ts'],
    projects: [
      'domain',
      'prisma',
      'server',
      'worker',
      'generator',
      'client',
      // The dashboard in a real browser against a real server (Node environment, unlike the component tests).
      'client/vitest.e2e.config.ts',
      'faults',
      'testkit',
      // Attacks replayed against real server processes (both tokens set, a 256 MiB heap): server/test/security.
      'server/vitest.security.config.ts',
      { test: { name: 'start', include: ['scripts/**/*.spec.ts'] } },
      // The Docker image and compose file, checked by parsing them (no Docker daemon needed).
      { test: { name: 'deploy', include: ['deploy/**/*.spec.ts'] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
