import type { SheetRow } from '@/api/sessions'
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { decideLeave, markAttendance } from '@/api/sessions'
import { useAction } from '@/composables/useAction'

export type SheetActionKey = 'approve' | 'decline' | 'present' | 'late'
/** An entry of the action sheet; it carries its member, so nothing depends on when the sheet closes. */
export interface SheetAction { name: string, key: SheetActionKey, row: SheetRow }

/**
 * What a secretary does from a row of the sheet: approve or decline leave, mark by hand.
 * Vant's ActionSheet closes before it emits `select`, so the member an action is for travels
 * inside the action instead of living in state that closing the sheet would clear.
 */
export function useSheetActions(sessionId: string, reload: () => unknown) {
  const { t } = useI18n()
  const open = ref(false)
  const target = ref<SheetRow | null>(null)
  const marking = ref<{ row: SheetRow, status: 'present' | 'late' } | null>(null)
  const reason = ref('')
  const { busy, act: run } = useAction(reload, { failIcon: true })

  function actionsFor(row: SheetRow): SheetAction[] {
    const a: SheetAction[] = []
    if (row.leave?.status === 'pending') {
      a.push({ name: t('sessions.sheet.approve'), key: 'approve', row })
      a.push({ name: t('sessions.sheet.decline'), key: 'decline', row })
    }
    if (row.status !== 'present')
      a.push({ name: t('sessions.sheet.mark_present'), key: 'present', row })
    if (row.status !== 'late')
      a.push({ name: t('sessions.sheet.mark_late'), key: 'late', row })
    return a
  }
  const actions = computed(() => target.value ? actionsFor(target.value) : [])

  function openFor(row: SheetRow) {
    target.value = row
    open.value = true
  }

  async function choose(action: SheetAction) {
    open.value = false
    const { row, key } = action
    if (key === 'approve' || key === 'decline') {
      await run(() => decideLeave(row.leave!.id, key === 'approve'), 'sessions.sheet.decided')
      return
    }
    reason.value = ''
    marking.value = { row, status: key }
  }

  async function confirmMark() {
    const m = marking.value
    if (!m)
      return
    if (await run(() => markAttendance(sessionId, m.row.user_id, m.status, reason.value), 'sessions.sheet.marked'))
      marking.value = null
  }

  function cancelMark() {
    marking.value = null
  }

  return { open, target, actions, marking, reason, busy, openFor, choose, confirmMark, cancelMark }
}
