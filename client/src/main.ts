import urql from '@urql/vue';
import { createApp } from 'vue';
import App from './App.vue';
import { ACCESS_KEY, createAccessState } from './composables/useAccess.ts';
import { createLiveStatus, LIVE_STATUS_KEY } from './composables/useLiveStatus.ts';
import { resolveApiEndpoints } from './lib/api-url.ts';
import { loadReadToken } from './lib/read-token.ts';
import { createApiClient } from './plugins/urql.ts';
import { router } from './router.ts';
import './styles.css';

const liveStatus = createLiveStatus();
const access = createAccessState();
const client = createApiClient({
  endpoints: resolveApiEndpoints(import.meta.env.VITE_API_URL, window.location),
  liveStatus,
  access,
  readToken: loadReadToken(window.localStorage, import.meta.env.VITE_READ_TOKEN),
});

createApp(App)
  .provide(LIVE_STATUS_KEY, liveStatus)
  .provide(ACCESS_KEY, access)
  .use(urql, client)
  .use(router)
  .mount('#app');
