import type { Ref } from 'vue'
import type { LoadState } from '@/composables/useAsyncState'
import { computed, ref } from 'vue'
import { errorKey } from '@/api/errors'

/**
 * A keyset-paged list for `van-list`: `more` asks for the page after the last row (`page(last)`,
 * `size` rows; fewer means the end), `restart` empties it and asks for the first again. The first
 * page is the screen's data (`firstPage`, for CommonLoadState; not while `refreshing`, whose spinner
 * is the pull's); a later page's failure is van-list's own error row.
 */
export function usePagedList<T>(page: (last: T | undefined) => Promise<T[]>, size: number) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  const finished = ref(false)
  const refreshing = ref(false)
  const error = ref<string | null>(null)

  async function more() {
    loading.value = true
    error.value = null
    try {
      const rows = await page(items.value.at(-1))
      items.value = [...items.value, ...rows]
      finished.value = rows.length < size
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      loading.value = false
    }
  }

  async function restart() {
    items.value = []
    finished.value = false
    await more()
  }

  /** restart from a pull-to-refresh */
  async function refresh() {
    refreshing.value = true
    try {
      await restart()
    }
    finally {
      refreshing.value = false
    }
  }

  /**
   * van-list's `v-model:error`: true while the last page failed; tapping its error row sets it
   * false and van-list asks again (bound one way, the row stayed and the tap did nothing).
   */
  const failed = computed({
    get: () => error.value !== null,
    set: (v: boolean) => {
      if (!v)
        error.value = null
    },
  })

  const firstPage = computed<LoadState>(() => items.value.length
    ? 'done'
    : error.value ? 'error' : loading.value && !refreshing.value ? 'loading' : 'done')

  return { items, loading, finished, refreshing, error, failed, firstPage, more, restart, refresh }
}
