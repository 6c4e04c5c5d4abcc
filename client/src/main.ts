import urql from '@urql/vue';
import { createApp } from 'vue';
import App from './App.vue';
import { createLiveStatus, LIVE_STATUS_KEY } from './composables/useLiveStatus.ts';
import { resolveApiEndpoints } from './lib/api-url.ts';
import { createApiClient } from './plugins/urql.ts';
import { router } from './router.ts';
import './styles.css';

const liveStatus = createLiveStatus();
const client = createApiClient(resolveApiEndpoints(import.meta.env.VITE_API_URL, window.location), liveStatus);

createApp(App).provide(LIVE_STATUS_KEY, liveStatus).use(urql, client).use(router).mount('#app');
