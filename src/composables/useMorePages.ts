import type { Ref } from 'vue'
import { computed, ref, shallowRef } from 'vue'

/** A page as the server sends one: its members and the cursor of the page after (null: the last). */
export interface MemberPage<T, C> { members: T[], next: C | null }

/** Every member after `after` (null: none), read 500 at a time: what an export needs beyond the pages on screen. */
export async function pagesAfter<T, C>(page: (after: C, limit?: number) => Promise<MemberPage<T, C>>, after: C | null): Promise<T[]> {
  const out: T[] = []
  while (after !== null) {
    const p = await page(after, 500)
    out.push(...p.members)
    after = p.next
  }
  return out
}

/**
 * The later pages of a view whose first page came with the view itself (plan progress, roster, attendance
 * rates: totals and the first members in one call, `next` for the rest). `restart(first)` with
 * each new first page; `more()` appends the page after, as van-list's `load`, with `listLoading`
 * and `failed` as its v-model:loading and v-model:error (a failed page leaves the list as it is;
 * tapping the error row asks again); `rest()` reads whatever is not loaded yet, 500 at a time, for
 * an export. A page that arrives after a restart is dropped (it belongs to the view before).
 */
export function useMorePages<T, C>(page: (after: C, limit?: number) => Promise<MemberPage<T, C>>) {
  const later = shallowRef([]) as Ref<T[]>
  const next = ref(null) as Ref<C | null>
  const loadingMore = ref(false)
  // van-list sets listLoading before it asks for a page; more() clears it when the page is in
  const listLoading = ref(false)
  const failed = ref(false)
  let view = 0

  function restart(first: MemberPage<T, C> | null | undefined) {
    view++
    later.value = []
    next.value = first?.next ?? null
  }

  async function more(): Promise<void> {
    const after = next.value
    if (after === null || loadingMore.value) {
      listLoading.value = false
      return
    }
    const asked = view
    loadingMore.value = true
    try {
      const p = await page(after)
      if (asked === view) {
        later.value = [...later.value, ...p.members]
        next.value = p.next
      }
      failed.value = false
    }
    catch {
      failed.value = true
    }
    finally {
      loadingMore.value = false
      listLoading.value = false
    }
  }

  const rest = () => pagesAfter(page, next.value)

  return { later, next, hasMore: computed(() => next.value !== null), loadingMore, listLoading, failed, restart, more, rest }
}
