import type { RouteRecordRaw } from 'vue-router'
import { withQuery } from '../routeProps'

export const routes: RouteRecordRaw[] = [
  { path: '/sessions', name: 'sessions', component: () => import('./SessionsPage.vue'), meta: { title: 'common.tabs.sessions' } },
  { path: '/sessions/new', name: 'session-new', component: () => import('./SessionEditPage.vue'), props: true, meta: { title: 'sessions.form.new_title', tabbar: false, manage: true, i18n: ['research'] } },
  { path: '/sessions/rates', name: 'session-rates', component: () => import('./SessionRatesPage.vue'), props: withQuery('org'), meta: { title: 'sessions.rates.title', tabbar: false, manage: true } },
  { path: '/sessions/:id', name: 'session', component: () => import('./SessionDetailPage.vue'), props: withQuery('code'), meta: { title: 'sessions.detail.title', tabbar: false, i18n: ['research'] } },
  // the link inside the organiser's QR code: opens the app and checks in (sign-in first keeps the target)
  { path: '/sessions/:id/checkin', name: 'session-checkin', component: () => import('./SessionDetailPage.vue'), props: withQuery('code'), meta: { title: 'sessions.checkin.title', tabbar: false, i18n: ['research'] } },
  { path: '/sessions/:id/edit', name: 'session-edit', component: () => import('./SessionEditPage.vue'), props: true, meta: { title: 'sessions.form.edit_title', tabbar: false, i18n: ['research'] } },
  { path: '/sessions/:id/code', name: 'session-code', component: () => import('./SessionCodePage.vue'), props: true, meta: { title: 'sessions.run.code', tabbar: false } },
  { path: '/sessions/:id/sheet', name: 'session-sheet', component: () => import('./SessionSheetPage.vue'), props: true, meta: { title: 'sessions.run.sheet', tabbar: false } },
  { path: '/sessions/:id/minutes', name: 'session-minutes', component: () => import('./SessionMinutesPage.vue'), props: true, meta: { title: 'sessions.run.minutes', tabbar: false } },
  { path: '/sessions/:id/print', name: 'session-print', component: () => import('./SessionPrintPage.vue'), props: true, meta: { title: 'sessions.run.print', tabbar: false } },
]
