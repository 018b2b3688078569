import { showFailToast, showSuccessToast, showToast } from 'vant'
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorKey } from '@/api/errors'

export interface ActOptions {
  /** values for the `done` text */
  params?: Record<string, unknown>
  /** what the action is on (a row's id, a button's name): `busyKey` holds it while it runs, so only that row or button waits */
  key?: string
}

/**
 * A write from a screen (change a role, approve leave, rename an organisation, save a form):
 * `busy` while it runs (`busyKey`: the `key` it was given); done, a success toast with the text
 * of the `done` key (none without one) and then `after` (the screen reads again, or the form is
 * left); failed, the translated error as a toast (or the text of `failed` instead; `failIcon`:
 * Vant's fail toast), or only in `error` (its i18n key) for a form that shows it beside its buttons
 * (`inline`). `act` answers whether it went through.
 */
export function useAction(after: () => unknown, opts: { failIcon?: boolean, inline?: boolean, failed?: string } = {}) {
  const { t } = useI18n()
  const running = ref(false)
  const busyKey = ref<string | null>(null)
  const error = ref<string | null>(null)
  const busy = computed(() => running.value)

  async function act(fn: () => Promise<unknown>, done?: string, o: ActOptions = {}): Promise<boolean> {
    running.value = true
    busyKey.value = o.key ?? null
    error.value = null
    try {
      await fn()
      if (done)
        showSuccessToast(t(done, o.params ?? {}))
      await after()
      return true
    }
    catch (err) {
      error.value = errorKey(err)
      if (!opts.inline)
        (opts.failIcon ? showFailToast : showToast)(t(opts.failed ?? error.value))
      return false
    }
    finally {
      running.value = false
      busyKey.value = null
    }
  }

  return { busy, busyKey, error, act }
}
