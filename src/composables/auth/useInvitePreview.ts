import { invitePreview } from '@/api/core'
import { useAsyncState } from '@/composables/useAsyncState'

/** What an invitation code opens (the organisation and who invites), before signing up with it. */
export function useInvitePreview() {
  const preview = useAsyncState(invitePreview)
  /** back to the code step: another code can be typed */
  function clear() {
    preview.data.value = null
    preview.state.value = 'idle'
  }
  return { ...preview, clear }
}
