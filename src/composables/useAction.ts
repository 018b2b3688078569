import { showFailToast, showSuccessToast, showToast } from 'vant'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorMessage } from '@/api/errors'

/**
 * A secretary's action on a screen (change a role, approve leave, rename an organisation):
 * `busy` while it runs; done, a success toast with the text of the `done` key (and its `params`) and then `after`
 * (the screen reads again); failed, the translated error as a toast (`failIcon`: Vant's fail
 * toast). `act` answers whether it went through.
 */
export function useAction(after: () => unknown, opts: { failIcon?: boolean } = {}) {
  const { t } = useI18n()
  const busy = ref(false)

  async function act(fn: () => Promise<unknown>, done: string, params: Record<string, unknown> = {}): Promise<boolean> {
    busy.value = true
    try {
      await fn()
      showSuccessToast(t(done, params))
      await after()
      return true
    }
    catch (err) {
      (opts.failIcon ? showFailToast : showToast)(errorMessage(err))
      return false
    }
    finally {
      busy.value = false
    }
  }

  return { busy, act }
}
