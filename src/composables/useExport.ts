import { useAction } from './useAction'

/**
 * A file made on the phone and saved (the roster template, the rows left out, a report, a
 * sign-in sheet, a plan's progress): an action (useAction) with no success toast, since nothing
 * is written and the browser's download is the answer. `exporting` while it is built (exceljs
 * loads on first use, slowly on weak signal); when it cannot be made, a toast with the text of
 * `failed` (without it, the error's own translation; `failIcon`: Vant's fail toast).
 */
export function useExport(failed?: string, opts: { failIcon?: boolean } = {}) {
  const { busy: exporting, act } = useAction(() => {}, { ...opts, failed })
  async function run(fn: () => Promise<unknown>): Promise<void> {
    await act(fn)
  }
  return { exporting, run }
}
