import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/me', name: 'me', component: () => import('./MePage.vue'), meta: { title: 'common.tabs.me', i18n: ['admin', 'research'] } },
  { path: '/me/profile', name: 'me-profile', component: () => import('./MeProfilePage.vue'), meta: { title: 'me.edit_profile', tabbar: false } },
  { path: '/me/password', name: 'me-password', component: () => import('./MePasswordPage.vue'), meta: { title: 'me.change_password', tabbar: false } },
]
