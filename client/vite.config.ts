import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// VITE_API_URL (e.g. http://api.example:8000) is baked in at build time; without it the dashboard talks to the API's
// port on whatever host served it (see src/lib/api-url.ts). That port is 8000, or the one of API_URL, which
// `pnpm start` passes to every service (so `PORT=9000 pnpm start` works without also setting VITE_API_URL).
process.env.VITE_API_PORT ??= process.env.API_URL ? new URL(process.env.API_URL).port || '' : '';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    // ECharts (~215 kB gzip even tree-shaken) is over Vite's 500 kB warning by design; it loads after the first paint.
    chunkSizeWarningLimit: 700,
  },
});
