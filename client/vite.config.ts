import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The dashboard talks to the origin that served it (src/lib/api-url.ts): in production the API serves the build; here
// the dev server hands the API's paths to the API (API_URL, which `pnpm start` passes to every service), so dev is
// same-origin too. VITE_API_URL, baked in at build time, overrides both.
const apiUrl = process.env.API_URL ?? 'http://localhost:8000';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: {
      // The only API paths the dashboard calls: GraphQL over HTTP and websockets (it uses no REST route).
      '/graphql': { target: apiUrl, ws: true },
      // GraphiQL's page, opened at /graphql from the dev server, loads these.
      '/graphiql/assets/': { target: apiUrl },
    },
  },
  build: {
    // ECharts (~215 kB gzip even tree-shaken) is over Vite's 500 kB warning by design; it loads after the first paint.
    chunkSizeWarningLimit: 700,
  },
});
