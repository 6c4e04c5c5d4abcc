import { createRouter, createWebHistory } from 'vue-router';
import OverviewPage from '@/pages/OverviewPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title: string;
    /** A page that polls instead of subscribing: the header says it is a snapshot refreshed this often. */
    snapshotRefreshSeconds?: number;
  }
}

/** How often the pipeline page re-reads the worker's status (its runs are a minute apart). */
export const PIPELINE_REFRESH_SECONDS = 10;
/** How often the alert rules page re-reads (open alert counts change with the worker's minute runs; rules with edits). */
export const RULES_REFRESH_SECONDS = 10;
/** How often the notifications page re-reads the delivery log (a delivery takes seconds; the worker publishes none). */
export const NOTIFICATIONS_REFRESH_SECONDS = 3;

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'overview', component: OverviewPage, meta: { title: 'Overview' } },
    {
      path: '/campaigns',
      name: 'campaigns',
      component: () => import('@/pages/CampaignsPage.vue'),
      meta: { title: 'Campaigns' },
    },
    {
      path: '/campaigns/:campaignId',
      name: 'campaign',
      component: () => import('@/pages/CampaignPage.vue'),
      meta: { title: 'Campaign' },
    },
    {
      path: '/spend',
      name: 'spend',
      component: () => import('@/pages/SpendPage.vue'),
      meta: { title: 'Spend' },
    },
    { path: '/alerts', name: 'alerts', component: () => import('@/pages/AlertsPage.vue'), meta: { title: 'Alerts' } },
    {
      path: '/rules',
      name: 'rules',
      component: () => import('@/pages/AlertRulesPage.vue'),
      meta: { title: 'Alert rules', snapshotRefreshSeconds: RULES_REFRESH_SECONDS },
    },
    {
      path: '/pipeline',
      name: 'pipeline',
      component: () => import('@/pages/PipelinePage.vue'),
      meta: { title: 'Pipeline', snapshotRefreshSeconds: PIPELINE_REFRESH_SECONDS },
    },
    {
      path: '/notifications',
      name: 'notifications',
      component: () => import('@/pages/NotificationsPage.vue'),
      meta: { title: 'Notifications', snapshotRefreshSeconds: NOTIFICATIONS_REFRESH_SECONDS },
    },
  ],
});

router.afterEach((to) => {
  document.title = `${to.meta.title} · Marketing Performance`;
});
