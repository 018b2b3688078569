import type { SessionListItem } from '@/api/sessions'
import type { LoadState } from '@/composables/useAsyncState'
import { computed, ref } from 'vue'
import { errorKey } from '@/api/errors'
import { listMySessions } from '@/api/sessions'

const PAGE = 15

/** One tab of the 签到 list: keyset-paged on starts_at, for van-list inside van-pull-refresh. */
export function useSessionList(scope: 'upcoming' | 'past') {
  const items = ref<SessionListItem[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const refreshing = ref(false)
  const error = ref<string | null>(null)

  async function onLoad() {
    loading.value = true
    error.value = null
    try {
      const last = items.value.at(-1)
      const page = await listMySessions(scope, last?.starts_at ?? null, PAGE)
      items.value = [...items.value, ...page]
      finished.value = page.length < PAGE
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      loading.value = false
    }
  }

  async function refresh() {
    refreshing.value = true
    items.value = []
    finished.value = false
    try {
      await onLoad()
    }
    finally {
      refreshing.value = false
    }
  }

  // the first page is the screen's data (CommonLoadState); a later page's failure is van-list's own error row
  const firstPage = computed<LoadState>(() => items.value.length
    ? 'done'
    : error.value ? 'error' : loading.value && !refreshing.value ? 'loading' : 'done')

  return { items, loading, finished, refreshing, error, firstPage, onLoad, refresh }
}
