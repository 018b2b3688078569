import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./LoginPage.vue'), meta: { public: true, layout: 'blank', title: 'auth.sign_in' } },
  { path: '/join', name: 'join', component: () => import('./JoinPage.vue'), meta: { public: true, layout: 'blank', title: 'auth.join' } },
]
