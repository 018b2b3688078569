import type { CodeNow, Counts } from '@/api/sessions'
import type { LoadState } from '@/composables/useAsyncState'
import { computed, onBeforeUnmount, onMounted, ref } from 'vue'
import { errorKey } from '@/api/errors'
import { onAttendance, sessionCodeNow, sessionCounts } from '@/api/sessions'

/**
 * The organiser's code screen: the current code, re-read at every 30-second step (timed from
 * the server's clock, not the phone's), a countdown, and the counts as they change live.
 */
export function useSessionCode(sessionId: string) {
  const code = ref<CodeNow | null>(null)
  const counts = ref<Counts | null>(null)
  const secondsLeft = ref(30)
  const error = ref<string | null>(null)
  /** server time minus device time (ms) */
  let skew = 0
  let timer: ReturnType<typeof setInterval> | null = null
  let fetching = false
  let off: (() => void) | null = null

  async function fetchCode() {
    if (fetching)
      return
    fetching = true
    if (!code.value)
      error.value = null
    try {
      const c = await sessionCodeNow(sessionId)
      skew = new Date(c.server_time).getTime() - Date.now()
      code.value = c
      counts.value = c.counts
      error.value = null
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      fetching = false
    }
  }

  function tick() {
    if (!code.value)
      return
    const left = Math.ceil((new Date(code.value.expires_at).getTime() - (Date.now() + skew)) / 1000)
    secondsLeft.value = Math.max(0, left)
    if (left <= 0)
      void fetchCode()
  }

  onMounted(async () => {
    await fetchCode()
    timer = setInterval(tick, 500)
    off = onAttendance(sessionId, (c) => {
      counts.value = c
    })
  })
  onBeforeUnmount(() => {
    if (timer)
      clearInterval(timer)
    off?.()
  })

  /** re-read the counts (e.g. after the network came back and broadcasts were missed) */
  async function refreshCounts() {
    counts.value = await sessionCounts(sessionId)
  }

  // not useAsyncState: the code is re-read every step and a failed re-read keeps the last code on
  // screen with the reason under it; until the first code, its state for CommonLoadState
  const firstCode = computed<LoadState>(() => code.value ? 'done' : error.value ? 'error' : 'loading')

  return { code, counts, secondsLeft, error, firstCode, fetchCode, refreshCounts }
}
