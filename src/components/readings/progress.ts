/**
 * My sections read of a plan or a reading: one definition of "how far" and "finished", for
 * every screen that shows done/total (plan cards, a plan's readings, home's due plan).
 */
export interface Progress { done: number, total: number }

/** Whole percent, 0 when there is nothing to read. */
export const progressPercent = (p: Progress) => (p.total ? Math.round(p.done / p.total * 100) : 0)

/** Every section read (a plan with no sections is not finished). */
export const progressComplete = (p: Progress) => p.total > 0 && p.done >= p.total

/** A plan's progress from its readings'. */
export function sumProgress(items: readonly Progress[]): Progress {
  return items.reduce((s, r) => ({ done: s.done + r.done, total: s.total + r.total }), { done: 0, total: 0 })
}
