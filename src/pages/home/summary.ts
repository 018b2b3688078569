import type { HomeSummary } from '@/api/core'
import { homeSummary } from '@/api/core'
import { useSessionStore } from '@/stores/session'

let early: Promise<HomeSummary> | null = null

/** The summary, and who the member is, which it carries for the whole app. */
function fetchSummary(): Promise<HomeSummary> {
  const session = useSessionStore()
  return homeSummary().then((s) => {
    session.setContext(s.context)
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
