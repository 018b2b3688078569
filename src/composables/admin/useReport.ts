import type { OrgNode, Report } from '@/api/admin'
import type { Period, Range } from '@/components/admin/periods'
import { computed, ref, shallowRef } from 'vue'
import { reportBureau, reportOrg } from '@/api/admin'
import { errorKey } from '@/api/errors'
import { periodRange } from '@/components/admin/periods'
import { SCREEN_LEVELS } from '@/composables/useOrgQuery'

export { PERIODS } from '@/components/admin/periods'

/** the report of org's subtree over range, `levels` below it (null: all) */
function fetchReport(org: OrgNode, { from, to }: Range, levels: number | null) {
  return org.kind === 'bureau' ? reportBureau(from, to, levels) : reportOrg(org.id, from, to, levels)
}

/**
 * A report over a chosen period: one organisation's subtree, or (the bureau) every organisation.
 * The screen's is a level at a time (at province size the whole subtree is a thousand rows); the
 * spreadsheet has every level, asked for when it is exported.
 */
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
      const r = await fetchReport(org, range.value, SCREEN_LEVELS)
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

  /** every level of org's subtree over the period on screen, for the spreadsheet */
  const everyLevel = (org: OrgNode) => fetchReport(org, range.value, null)

  return { period, custom, range, data, loading, error, load, everyLevel }
}
