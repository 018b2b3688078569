import type { ModuleContext } from './types'
import { watch } from 'vue'
import { useSessionStore } from '@/stores/session'
import { i18n } from './i18n'

/** Where a signed-out user goes, remembering where they were. */
export function loginLocation(redirect?: string) {
  return redirect && redirect !== '/' ? { path: '/login', query: { redirect } } : { path: '/login' }
}

/** Only same-app paths are followed after sign-in (no open redirects). */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/'
}

export function install({ router, pinia }: ModuleContext) {
  const session = useSessionStore(pinia)

  router.beforeEach(async (to) => {
    await session.start()
    // supabase-js is not awaited here: the page paints its frame and skeleton while it loads.
    if (!to.meta.public && !session.isSignedIn)
      return loginLocation(to.fullPath)
    if (to.meta.public && session.isSignedIn && to.path === '/login')
      return safeRedirect(to.query.redirect)
    // Who the member is: home's own call brings it (src/pages/home/summary.ts), other screens ask.
    // Offline is fine: the context stays null and pages show what they have.
    if (!to.meta.public && !session.context && to.name !== 'home')
      void session.loadContext().catch(() => {})
    if (to.meta.manage) {
      if (!session.context)
        await session.loadContext().catch(() => {})
      if (!session.canManage)
        return '/'
    }
  })

  router.afterEach((to) => {
    const t = i18n.global.t
    document.title = to.meta.title && to.meta.title !== 'common.app_name' ? `${t(to.meta.title)} · ${t('common.app_name')}` : t('common.app_name')
  })

  // Session ended under the user (refresh failed, token refused, signed out elsewhere). It can end
  // while the first screen is still being opened (a refused refresh on a cold start): wait for
  // that navigation, so the way back is where they were going, not the start location.
  watch(() => session.isSignedIn, async (signedIn) => {
    if (signedIn)
      return
    await router.isReady().catch(() => {})
    const current = router.currentRoute.value
    if (!session.isSignedIn && !current.meta.public)
      await router.replace(session.expired ? loginLocation(current.fullPath) : '/login')
  })
}
