import type { RouteRecordRaw } from 'vue-router'
import { createRouter, createWebHistory, START_LOCATION } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the nav-bar title */
    title?: string
    /** reachable without signing in (sign-in, sign-up) */
    public?: boolean
    /** 'blank': no nav-bar/tab-bar (sign-in, sign-up); default 'tabs' */
    layout?: 'tabs' | 'blank'
    /** show the tab-bar (default true); detail pages set false */
    tabbar?: boolean
    /** show a back arrow in the nav-bar (default: !tabbar) */
    back?: boolean
    /** needs can_manage (secretaries and above) */
    manage?: boolean
    /** locale areas this route needs besides the one named by its first path segment */
    i18n?: string[]
  }
}

// Each domain folder owns its routes: src/pages/<area>/routes.ts exports `routes`.
const modules = import.meta.glob<{ routes: RouteRecordRaw[] }>('./pages/*/routes.ts', { eager: true })

export const routes: RouteRecordRaw[] = [
  ...Object.values(modules).flatMap(m => m.routes),
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export function createAppRouter() {
  return createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    // Not on the first navigation: the page is already at the top, and scrolling forces a layout
    // in the middle of the first render.
    scrollBehavior: (_to, from, saved) => from === START_LOCATION ? false : saved ?? { top: 0 },
  })
}
