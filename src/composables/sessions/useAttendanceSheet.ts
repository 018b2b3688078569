import type { Sheet } from '@/api/sessions'
import { onBeforeUnmount, onMounted } from 'vue'
import { attendanceSheet, getSession, onAttendance } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'

/** The attendance sheet of a session, re-read whenever the database says attendance changed. */
export function useAttendanceSheet(sessionId: string) {
  const state = useAsyncState<Sheet>(() => attendanceSheet(sessionId))
  let off: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  onMounted(() => {
    void state.load()
    off = onAttendance(sessionId, () => {
      // a burst of check-ins becomes one re-read
      if (timer)
        clearTimeout(timer)
      timer = setTimeout(() => void state.load(), 400)
    })
  })
  onBeforeUnmount(() => {
    off?.()
    if (timer)
      clearTimeout(timer)
  })
  /** the session's title, for the exported file (the sheet does not carry it) */
  const sessionTitle = async () => (await getSession(sessionId)).title
  return { ...state, sessionTitle }
}
