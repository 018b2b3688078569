import type { SessionListItem } from '@/api/sessions'
import { ref } from 'vue'
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

  return { items, loading, finished, refreshing, error, onLoad, refresh }
}
