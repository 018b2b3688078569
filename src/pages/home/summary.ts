import type { HomeSummary } from '@/api/core'
import { homeSummary } from '@/api/core'
import { ensureAreas } from '@/modules/i18n'
import { keepHome } from '@/offline/home-cache'
import { useInboxStore } from '@/stores/inbox'
import { useSessionStore } from '@/stores/session'

let early: Promise<HomeSummary> | null = null

/**
 * The summary, and who the member is, which it carries for the whole app. Its cards name session
 * kinds: those strings arrive with it, so the frame and skeleton need not wait for them.
 */
function fetchSummary(): Promise<HomeSummary> {
  const session = useSessionStore()
  const userId = session.userId
  const call = homeSummary()
  // the unread count comes with it: the tab bar does not ask for it separately
  useInboxStore().arriving(call.then(s => s.unread))
  return Promise.all([call, ensureAreas(['sessions'])]).then(([s]) => {
    session.setContext(s.context)
    if (session.userId === userId)
      keepHome(userId, s)
    return s
  })
}

/**
 * Ask for the home summary as the route is entered, not after the page has mounted: on a cheap
 * phone the first render is a long task, and the call can travel meanwhile.
 */
export function prefetchHomeSummary(): void {
  early = fetchSummary()
  early.catch(() => {}) // handled by whoever takes it
}

/** The prefetched call if there is one (taken once), else a fresh one. */
export function loadHomeSummary(): Promise<HomeSummary> {
  const call = early ?? fetchSummary()
  early = null
  return call
}
