import { showFailToast, showToast } from 'vant'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { errorKey } from '@/api/errors'

/**
 * A file made on the phone and saved (the roster template, the rows left out, a report, a
 * sign-in sheet, a plan's progress): `exporting` while it is built (exceljs loads on first use,
 * slowly on weak signal), and when it cannot be made a toast with the text of `failed` (without
 * it, the error's own translation; `failIcon`: Vant's fail toast). Nothing is written, so there is
 * no success toast: the browser's download is the answer.
 */
export function useExport(failed?: string, opts: { failIcon?: boolean } = {}) {
  const { t } = useI18n()
  const exporting = ref(false)

  async function run(fn: () => Promise<unknown>): Promise<void> {
    exporting.value = true
    try {
      await fn()
    }
    catch (err) {
      (opts.failIcon ? showFailToast : showToast)(t(failed ?? errorKey(err)))
    }
    finally {
      exporting.value = false
    }
  }

  return { exporting, run }
}
