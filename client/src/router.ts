import { createRouter, createWebHistory } from 'vue-router';
import OverviewPage from '@/pages/OverviewPage.vue';

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
    { path: '/alerts', name: 'alerts', component: () => import('@/pages/AlertsPage.vue'), meta: { title: 'Alerts' } },
    {
      path: '/pipeline',
      name: 'pipeline',
      component: () => import('@/pages/PipelinePage.vue'),
      meta: { title: 'Pipeline' },
    },
  ],
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Dashboard')} · Marketing Performance`;
});
