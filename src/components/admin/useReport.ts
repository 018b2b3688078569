import type { OrgNode, Report } from '@/api/admin'
import dayjs from 'dayjs'
import { computed, ref, shallowRef } from 'vue'
import { reportBureau, reportOrg } from '@/api/admin'
import { errorKey } from '@/api/errors'

export type Period = 'year' | 'last30' | 'last90' | 'last_year'
export const PERIODS: Period[] = ['year', 'last30', 'last90', 'last_year']

export function periodRange(p: Period, now = dayjs()): { from: string, to: string } {
  const f = (d: dayjs.Dayjs) => d.format('YYYY-MM-DD')
  switch (p) {
    case 'last30': return { from: f(now.subtract(29, 'day')), to: f(now) }
    case 'last90': return { from: f(now.subtract(89, 'day')), to: f(now) }
    case 'last_year': return { from: f(now.subtract(1, 'year').startOf('year')), to: f(now.subtract(1, 'year').endOf('year')) }
    default: return { from: f(now.startOf('year')), to: f(now) }
  }
}

/** A report over a chosen period: one organisation's subtree, or (the bureau) every organisation. */
export function useReport() {
  const period = ref<Period>('year')
  const range = computed(() => periodRange(period.value))
  const data = shallowRef<Report | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function load(org: OrgNode | null) {
    if (!org)
      return
    loading.value = true
    error.value = null
    try {
      const { from, to } = range.value
      data.value = org.kind === 'bureau' ? await reportBureau(from, to) : await reportOrg(org.id, from, to)
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      loading.value = false
    }
  }

  return { period, range, data, loading, error, load }
}
