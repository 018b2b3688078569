import type { SheetRow } from '@/api/sessions'
import { showFailToast, showSuccessToast } from 'vant'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorMessage } from '@/api/errors'
import { decideLeave, markAttendance } from '@/api/sessions'

/** What a secretary does from a row of the sheet: approve or decline leave, mark by hand. */
export function useSheetActions(sessionId: string, reload: () => unknown) {
  const { t } = useI18n()
  const current = ref<SheetRow | null>(null)
  const marking = ref<'present' | 'late' | null>(null)
  const reason = ref('')
  const busy = ref(false)

  function actionsFor(row: SheetRow) {
    const a: { name: string, key: string }[] = []
    if (row.leave?.status === 'pending') {
      a.push({ name: t('sessions.sheet.approve'), key: 'approve' })
      a.push({ name: t('sessions.sheet.decline'), key: 'decline' })
    }
    if (row.status !== 'present')
      a.push({ name: t('sessions.sheet.mark_present'), key: 'present' })
    if (row.status !== 'late')
      a.push({ name: t('sessions.sheet.mark_late'), key: 'late' })
    return a
  }

  async function run(fn: () => Promise<unknown>, done: string) {
    busy.value = true
    try {
      await fn()
      showSuccessToast(t(done))
      await reload()
      return true
    }
    catch (err) {
      showFailToast(errorMessage(err))
      return false
    }
    finally {
      busy.value = false
    }
  }

  async function choose(key: string) {
    const row = current.value
    if (!row)
      return
    if (key === 'approve' || key === 'decline') {
      current.value = null
      await run(() => decideLeave(row.leave!.id, key === 'approve'), 'sessions.sheet.decided')
      return
    }
    marking.value = key as 'present' | 'late'
    reason.value = ''
  }

  async function confirmMark() {
    const row = current.value
    if (!row || !marking.value)
      return
    if (await run(() => markAttendance(sessionId, row.user_id, marking.value!, reason.value), 'sessions.sheet.marked')) {
      marking.value = null
      current.value = null
    }
  }

  return { current, marking, reason, busy, actionsFor, choose, confirmMark }
}
