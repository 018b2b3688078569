import { ref, shallowRef } from 'vue'
import { errorKey } from '@/api/errors'

export type LoadState = 'idle' | 'loading' | 'done' | 'error'

/**
 * Explicit idle/loading/done/error around one API call, for a screen's data:
 * `const { data, state, errorKey, load } = useAsyncState(homeSummary)`.
 */
export function useAsyncState<T, A extends unknown[] = []>(fn: (...args: A) => Promise<T>) {
  const data = shallowRef<T | null>(null)
  const state = ref<LoadState>('idle')
  const error = ref<string | null>(null)

  async function load(...args: A): Promise<T | null> {
    state.value = 'loading'
    error.value = null
    try {
      data.value = await fn(...args)
      state.value = 'done'
      return data.value
    }
    catch (err) {
      error.value = errorKey(err)
      state.value = 'error'
      return null
    }
  }

  return { data, state, errorKey: error, load }
}
