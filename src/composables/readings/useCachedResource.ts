import type { LoadState } from '@/composables/useAsyncState'
import { ref, shallowRef } from 'vue'
import { errorKey as toErrorKey } from '@/api/errors'
import { cachedFetch } from '@/offline/readings-cache'

/**
 * idle/loading/done/error around one read of the readings API, answered from the phone's copy
 * when there is no network (`offline` is then true). `adjust` is applied to whatever arrives,
 * from the server or the copy (e.g. this phone's taps the server has not acknowledged yet).
 */
export function useCachedResource<T>(key: () => string, fetch: () => Promise<T>, adjust: (value: T) => T = v => v) {
  const data = shallowRef<T | null>(null)
  const state = ref<LoadState>('idle')
  const errorKey = ref<string | null>(null)
  const offline = ref(false)

  async function load(): Promise<T | null> {
    state.value = 'loading'
    errorKey.value = null
    try {
      const r = await cachedFetch(key(), fetch)
      data.value = adjust(r.value)
      offline.value = r.offline
      state.value = 'done'
      return data.value
    }
    catch (err) {
      errorKey.value = toErrorKey(err)
      state.value = 'error'
      return null
    }
  }

  return { data, state, errorKey, offline, load }
}
