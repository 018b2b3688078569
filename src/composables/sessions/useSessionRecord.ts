import { attendanceSheet, getSession } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'

/** What the printed A4 record needs: the session and its attendance sheet, read together. */
export function useSessionRecord(id: string) {
  return useAsyncState(async () => {
    const [session, sheet] = await Promise.all([getSession(id), attendanceSheet(id)])
    return { session, sheet }
  })
}
