import type { OrgNode, Report } from '@/api/admin'
import type { Period, Range } from '@/components/admin/periods'
import { computed, ref, shallowRef } from 'vue'
import { reportBureau, reportOrg } from '@/api/admin'
import { errorKey } from '@/api/errors'
import { periodRange } from '@/components/admin/periods'

export { PERIODS } from '@/components/admin/periods'

/** A report over a chosen period: one organisation's subtree, or (the bureau) every organisation. */
export function useReport() {
  const period = ref<Period>('term')
  const custom = ref<Range>(periodRange('month'))
  const range = computed<Range>(() => period.value === 'custom' ? custom.value : periodRange(period.value))
  const data = shallowRef<Report | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let asked = 0

  async function load(org: OrgNode | null) {
    if (!org)
      return
    // a slower answer to an older choice must not replace the newer one
    const mine = ++asked
    loading.value = true
    error.value = null
    try {
      const { from, to } = range.value
      const r = org.kind === 'bureau' ? await reportBureau(from, to) : await reportOrg(org.id, from, to)
      if (mine === asked)
        data.value = r
    }
    catch (err) {
      if (mine === asked)
        error.value = errorKey(err)
    }
    finally {
      if (mine === asked)
        loading.value = false
    }
  }

  return { period, custom, range, data, loading, error, load }
}
