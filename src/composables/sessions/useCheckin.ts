import type { CheckinResult } from '@/api/sessions'
import { onMounted, ref, watch } from 'vue'
import { toApiError } from '@/api/client'
import { errorKey } from '@/api/errors'
import { checkIn } from '@/api/sessions'
import { openOfflineDb } from '@/offline/db'
import { enqueue, newId, usePendingCount } from '@/offline/outbox'

export const CHECKIN_KIND = 'sessions.checkin'

/**
 * Check-in for one session. Online: sent at once. Without network (or when the request cannot
 * reach the server) it goes to the outbox with the code and the device time, and shows as
 * pending until the server has accepted it.
 */
export function useCheckin(sessionId: () => string) {
  const busy = ref(false)
  const result = ref<CheckinResult | null>(null)
  const error = ref<string | null>(null)
  /** the server said "not open yet": the page shows when it opens (the session's checkin_opens_at) */
  const notOpen = ref(false)
  const pending = ref(false)
  const { pending: outboxCount } = usePendingCount()

  async function readPending() {
    if (typeof indexedDB === 'undefined')
      return
    const db = await openOfflineDb()
    const all = await db.getAll('outbox')
    db.close()
    pending.value = all.some(e => e.kind === CHECKIN_KIND && e.payload.sessionId === sessionId())
  }

  async function queue(code: string, method: 'code' | 'qr') {
    await enqueue(CHECKIN_KIND, { id: newId(), sessionId: sessionId(), code, method, claimedAt: new Date().toISOString() })
    pending.value = true
  }

  async function submit(code: string, method: 'code' | 'qr'): Promise<void> {
    busy.value = true
    error.value = null
    notOpen.value = false
    try {
      if (typeof navigator !== 'undefined' && navigator.onLine === false) {
        await queue(code, method)
        return
      }
      result.value = await checkIn({ id: newId(), sessionId: sessionId(), code, method })
    }
    catch (err) {
      const e = toApiError(err)
      if (e.key === 'network') {
        await queue(code, method)
        return
      }
      error.value = errorKey(e)
      notOpen.value = e.key === 'checkin.not_open'
    }
    finally {
      busy.value = false
    }
  }

  onMounted(readPending)
  watch(outboxCount, () => void readPending())

  return { busy, result, error, notOpen, pending, submit, readPending }
}
