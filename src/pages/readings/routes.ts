import type { RouteRecordRaw } from 'vue-router'
import { withQuery } from '../routeProps'

// 学习: plans → plan → reading (checklist and notes) → reader; the secretary's progress view and forms.
export const routes: RouteRecordRaw[] = [
  { path: '/readings', name: 'readings', component: () => import('./PlansPage.vue'), meta: { title: 'common.tabs.readings' } },
  { path: '/readings/plans/new', name: 'readings-plan-new', component: () => import('./PlanNewPage.vue'), meta: { title: 'readings.form.new_plan', tabbar: false, manage: true } },
  { path: '/readings/new', name: 'readings-reading-new', component: () => import('./ReadingNewPage.vue'), meta: { title: 'readings.form.new_reading', tabbar: false, manage: true } },
  { path: '/readings/plans/:planId', name: 'readings-plan', component: () => import('./PlanPage.vue'), props: true, meta: { title: 'readings.plan.title', tabbar: false } },
  { path: '/readings/plans/:planId/edit', name: 'readings-plan-edit', component: () => import('./PlanEditPage.vue'), props: true, meta: { title: 'readings.edit.plan_title', tabbar: false, manage: true } },
  { path: '/readings/plans/:planId/progress', name: 'readings-progress', component: () => import('./ProgressPage.vue'), props: true, meta: { title: 'readings.progress.title', tabbar: false, manage: true } },
  { path: '/readings/:readingId', name: 'readings-reading', component: () => import('./ReadingPage.vue'), props: withQuery('section'), meta: { title: 'readings.reading.title', tabbar: false } },
  { path: '/readings/:readingId/edit', name: 'readings-reading-edit', component: () => import('./ReadingEditPage.vue'), props: true, meta: { title: 'readings.edit.reading_title', tabbar: false, manage: true } },
  { path: '/readings/:readingId/sections/:sectionId', name: 'readings-reader', component: () => import('./ReaderPage.vue'), props: true, meta: { title: 'readings.reader.title', tabbar: false } },
]
