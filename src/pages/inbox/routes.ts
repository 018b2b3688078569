import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/inbox', name: 'inbox', component: () => import('./InboxPage.vue'), meta: { title: 'inbox.title' } },
  { path: '/inbox/settings', name: 'inbox-settings', component: () => import('./InboxSettingsPage.vue'), meta: { title: 'inbox.settings_title', tabbar: false } },
]
