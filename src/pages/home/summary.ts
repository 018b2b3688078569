import type { HomeSummary } from '@/api/core'
import { homeSummary } from '@/api/core'

let early: Promise<HomeSummary> | null = null

/**
 * Ask for the home summary as the route is entered, not after the page has mounted: on a cheap
 * phone the first render is a long task, and the call can travel meanwhile.
 */
export function prefetchHomeSummary(): void {
  early = homeSummary()
  early.catch(() => {}) // handled by whoever takes it
}

/** The prefetched call if there is one (taken once), else a fresh one. */
export function loadHomeSummary(): Promise<HomeSummary> {
  const call = early ?? homeSummary()
  early = null
  return call
}
