import { ref, shallowRef } from 'vue'
import { errorKey } from '@/api/errors'
import { cachedFetch } from '@/offline/readings-cache'

export type LoadState = 'idle' | 'loading' | 'done' | 'error'

export interface AsyncStateOptions<T> {
  /**
   * Keep what arrives on the phone under this key and, when there is no network, answer from that
   * copy (`offline` is then true); a refusal by the server is never hidden behind it
   * (src/offline/readings-cache.ts). For what a member must be able to read offline.
   */
  cache?: () => string
  /** applied to whatever arrives, from the server or the copy (e.g. this phone's taps not yet acknowledged) */
  adjust?: (value: T) => T
}

/**
 * Explicit idle/loading/done/error around one API call, for a screen's data:
 * `const { data, state, errorKey, load } = useAsyncState(homeSummary)`. `data` keeps the last
 * value through a later load, so a screen may go on showing it while it refreshes or when a refresh fails.
 */
export function useAsyncState<T, A extends unknown[] = []>(fn: (...args: A) => Promise<T>, opts: AsyncStateOptions<T> = {}) {
  const data = shallowRef<T | null>(null)
  const state = ref<LoadState>('idle')
  const error = ref<string | null>(null)
  const offline = ref(false)

  async function fetch(args: A): Promise<T> {
    if (!opts.cache)
      return fn(...args)
    const r = await cachedFetch(opts.cache(), () => fn(...args))
    offline.value = r.offline
    return r.value
  }

  async function load(...args: A): Promise<T | null> {
    state.value = 'loading'
    error.value = null
    try {
      const value = await fetch(args)
      data.value = opts.adjust ? opts.adjust(value) : value
      state.value = 'done'
      return data.value
    }
    catch (err) {
      error.value = errorKey(err)
      state.value = 'error'
      return null
    }
  }

  return { data, state, errorKey: error, offline, load }
}
