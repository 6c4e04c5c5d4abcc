import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// VITE_API_URL (e.g. http://api.example:8000) is baked in at build time; without it the dashboard talks to port 8000
// of whatever host served it (see src/lib/api-url.ts).
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    // ECharts (~215 kB gzip even tree-shaken) is over Vite's 500 kB warning by design; it loads after the first paint.
    chunkSizeWarningLimit: 700,
  },
});
