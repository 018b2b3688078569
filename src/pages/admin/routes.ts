import type { RouteRecordRaw } from 'vue-router'

// Placeholder routes, to be replaced by the management area. `manage: true` lets only
// those with can_manage (secretaries and above) in; the SQL checks again, of course.
export const routes: RouteRecordRaw[] = [
  { path: '/admin', name: 'admin', component: () => import('./AdminPage.vue'), meta: { title: 'common.manage', manage: true, tabbar: false } },
]
