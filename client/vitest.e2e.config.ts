import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';
import { LIVE_TIMEOUT_MS } from './e2e/support/timeouts.ts';

const require = createRequire(import.meta.url);

/**
 * The browser end-to-end tests (`e2e/`): Node environment, a real server from @pmd/server, chromium. A project of its
 * own so that the component tests keep happy-dom.
 */
export default defineProject({
  plugins: [vue()],
  // One graphql instance for our code, Pothos and Yoga (see server/vitest.config.ts).
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)), graphql: require.resolve('graphql') },
  },
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['e2e/**/*.spec.ts'],
    globalSetup: ['./e2e/support/global-setup.ts'],
    testTimeout: 90_000,
    // A poll follows an action the app answers asynchronously; vitest's default of 1 s is short for a loaded machine.
    expect: { poll: { timeout: LIVE_TIMEOUT_MS } },
    hookTimeout: 240_000,
  },
});
