import { showFailToast } from 'vant'
import { errorMessage } from '@/api/errors'
import { cancelSession, getSession } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'

/** A session as its detail screen shows it; `cancel` calls it off and reads it again. */
export function useSession(id: () => string) {
  const session = useAsyncState(() => getSession(id()))
  async function cancel() {
    try {
      await cancelSession(id())
      await session.load()
    }
    catch (err) {
      showFailToast(errorMessage(err))
    }
  }
  return { ...session, cancel }
}
