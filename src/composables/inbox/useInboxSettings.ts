import type { InboxKind } from '@/api/inbox'
import { showToast } from 'vant'
import { errorMessage } from '@/api/errors'
import { inboxSetKind, inboxSettings } from '@/api/inbox'
import { useAsyncState } from '@/composables/useAsyncState'

/** Which kinds of message I want in my inbox; a change answers with the whole new setting. */
export function useInboxSettings() {
  const settings = useAsyncState(inboxSettings)
  async function toggle(kind: InboxKind, on: boolean) {
    try {
      settings.data.value = await inboxSetKind(kind, on)
    }
    catch (e) {
      showToast(errorMessage(e))
    }
  }
  return { ...settings, toggle }
}
