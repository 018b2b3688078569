import type { JoinRequest } from '@/api/admin'
import { showConfirmDialog } from 'vant'
import { useI18n } from 'vue-i18n'
import { joinRequestAnswer, joinRequestsList } from '@/api/admin'
import { useAction } from '@/composables/useAction'
import { useAsyncState } from '@/composables/useAsyncState'

/** Requests to join in every organisation I manage, and answering one (a decline is confirmed first). */
export function useJoinRequests() {
  const { t } = useI18n()
  const list = useAsyncState(joinRequestsList)
  // busyKey: the request being answered (its row's buttons wait)
  const { busyKey: busy, act } = useAction(list.load)

  async function answer(r: JoinRequest, approve: boolean) {
    if (!approve) {
      const ok = await showConfirmDialog({ message: t('admin.join.decline_confirm', { name: r.display_name, org: r.org_name }), confirmButtonText: t('admin.join.decline'), cancelButtonText: t('common.cancel') }).then(() => true, () => false)
      if (!ok)
        return
    }
    // keyed by the request: a retried tap answers the same and changes nothing
    await act(() => joinRequestAnswer(r.id, approve), approve ? 'admin.join.approved' : 'admin.join.declined', { params: { name: r.display_name, org: r.org_name }, key: r.id })
  }

  return { ...list, busy, answer }
}
