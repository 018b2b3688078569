import type { RouteRecordRaw } from 'vue-router'
import { withQuery } from '../routeProps'

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./LoginPage.vue'), props: withQuery('redirect'), meta: { public: true, layout: 'blank', title: 'auth.sign_in' } },
  { path: '/join', name: 'join', component: () => import('./JoinPage.vue'), props: withQuery('code'), meta: { public: true, layout: 'blank', title: 'auth.join' } },
]
