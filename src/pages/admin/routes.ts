import type { RouteRecordRaw } from 'vue-router'
import { withQuery } from '../routeProps'

// `manage: true` lets only those with can_manage (secretaries and above) in; the SQL checks again.
// Pages that take an organisation read it from `?org=<uuid>` (default: the first one I manage).
export const routes: RouteRecordRaw[] = [
  { path: '/admin', name: 'admin', component: () => import('./AdminPage.vue'), meta: { title: 'common.manage', manage: true, tabbar: false } },
  { path: '/admin/orgs', name: 'admin-orgs', component: () => import('./AdminOrgsPage.vue'), props: withQuery('org'), meta: { title: 'admin.orgs.title', manage: true, tabbar: false } },
  { path: '/admin/roster', name: 'admin-roster', component: () => import('./AdminRosterPage.vue'), props: withQuery('org'), meta: { title: 'admin.roster.title', manage: true, tabbar: false, i18n: ['research'] } },
  { path: '/admin/import', name: 'admin-import', component: () => import('./AdminImportPage.vue'), props: withQuery('org'), meta: { title: 'admin.import.title', manage: true, tabbar: false } },
  { path: '/admin/join-requests', name: 'admin-join-requests', component: () => import('./AdminJoinRequestsPage.vue'), meta: { title: 'admin.join.title', manage: true, tabbar: false, i18n: ['inbox'] } },
  { path: '/admin/invites', name: 'admin-invites', component: () => import('./AdminInvitesPage.vue'), props: withQuery('org'), meta: { title: 'admin.invites.title', manage: true, tabbar: false } },
  { path: '/admin/reports', name: 'admin-reports', component: () => import('./AdminReportsPage.vue'), props: withQuery('org'), meta: { title: 'admin.reports.title', manage: true, tabbar: false } },
  { path: '/admin/audit', name: 'admin-audit', component: () => import('./AdminAuditPage.vue'), props: withQuery('org'), meta: { title: 'admin.audit.title', manage: true, tabbar: false, i18n: ['research'] } },
]
