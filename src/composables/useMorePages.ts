import type { Ref } from 'vue'
import { computed, ref, shallowRef } from 'vue'

/** A page as the server sends one: its members and the cursor of the page after (null: the last). */
export interface MemberPage<T, C> { members: T[], next: C | null }

/**
 * The later pages of a view whose first page came with the view itself (plan progress, roster, attendance
 * rates: totals and the first members in one call, `next` for the rest). `restart(first)` with
 * each new first page; `more()` appends the page after, for van-list's `load` (false when it
 * failed: the list stays); `rest()` reads whatever is not loaded yet, 500 at a time, for an
 * export. A page that arrives after a restart is dropped (it belongs to the view before).
 */
export function useMorePages<T, C>(page: (after: C, limit?: number) => Promise<MemberPage<T, C>>) {
  const later = shallowRef([]) as Ref<T[]>
  const next = ref(null) as Ref<C | null>
  const loadingMore = ref(false)
  let view = 0

  function restart(first: MemberPage<T, C> | null | undefined) {
    view++
    later.value = []
    next.value = first?.next ?? null
  }

  async function more(): Promise<boolean> {
    const after = next.value
    if (after === null || loadingMore.value)
      return true
    const asked = view
    loadingMore.value = true
    try {
      const p = await page(after)
      if (asked === view) {
        later.value = [...later.value, ...p.members]
        next.value = p.next
      }
      return true
    }
    catch {
      return false
    }
    finally {
      loadingMore.value = false
    }
  }

  async function rest(): Promise<T[]> {
    const out: T[] = []
    for (let after = next.value; after !== null;) {
      const p = await page(after, 500)
      out.push(...p.members)
      after = p.next
    }
    return out
  }

  return { later, next, hasMore: computed(() => next.value !== null), loadingMore, restart, more, rest }
}
