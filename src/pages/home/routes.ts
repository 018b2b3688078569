import type { RouteRecordRaw } from 'vue-router'
import { prefetchHomeSummary } from './summary'

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'home',
    component: () => import('./HomePage.vue'),
    beforeEnter: () => prefetchHomeSummary(),
    meta: { title: 'common.app_name' },
  },
]
