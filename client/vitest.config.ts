import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineProject } from 'vitest/config';

export default defineProject({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    name: 'client',
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: ['e2e/**', 'node_modules/**'],
  },
});
