import type { RouteRecordRaw } from 'vue-router'

// Placeholder routes, to be replaced by the sessions area. Tab pages keep the tab-bar; detail pages
// set `meta: { tabbar: false }` (a back arrow appears) and a `title` i18n key.
export const routes: RouteRecordRaw[] = [
  { path: '/sessions', name: 'sessions', component: () => import('./SessionsPage.vue'), meta: { title: 'common.tabs.sessions' } },
]
