import urql, { type Client } from '@urql/vue';
import { flushPromises, mount } from '@vue/test-utils';
import type { Component } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';

/** Mounts a page or URL-aware component at `url` with a memory router and the given urql client. */
export async function mountAt(
  component: Component,
  url: string,
  client: Client,
): Promise<{ wrapper: ReturnType<typeof mount>; router: Router }> {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: { render: () => null } }],
  });
  await router.push(url);
  await router.isReady();
  const wrapper = mount(component, { global: { plugins: [router, [urql, client]] } });
  await flushPromises();
  return { wrapper, router };
}
