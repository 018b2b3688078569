import type { AttendanceCursor, ManagedOrg } from '@/api/sessions'
import { computed, onMounted, reactive, ref, watch } from 'vue'
import { attendanceSummary, orgsIManage } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'
import { useMorePages } from '@/composables/useMorePages'
import { bureauToday } from '@/modules/time'

/**
 * Attendance rates of an organisation I manage over a period (default: this year so far), re-read
 * as the choice changes. Members come a page at a time (a county has thousands); the totals and
 * the organisations' rows are whole from the first call.
 */
export function useAttendanceRates() {
  const orgs = ref<ManagedOrg[]>([])
  const q = reactive({ org: '', from: `${bureauToday().slice(0, 4)}-01-01`, to: bureauToday() })
  const summary = useAsyncState(() => attendanceSummary(q.org, q.from, q.to))
  // the later pages are of the period and organisation the first page was read for
  const pages = useMorePages((after: AttendanceCursor, limit?: number) => {
    const d = summary.data.value!
    return attendanceSummary(d.org_id, d.from, d.to, after, limit)
  })
  const orgRows = computed(() => (summary.data.value?.orgs ?? []).map(o => ({ ...o, key: o.org_id, name: o.name })))
  const members = computed(() => [...(summary.data.value?.members ?? []), ...pages.later.value])
  const memberRows = computed(() => members.value.map(m => ({ ...m, key: m.user_id, name: m.display_name, sub: m.org_name })))

  async function load() {
    pages.restart(await summary.load())
  }

  /** The whole summary, every member in it (the export). */
  async function whole() {
    const d = summary.data.value
    return d && { ...d, members: [...members.value, ...await pages.rest()] }
  }

  onMounted(async () => {
    orgs.value = await orgsIManage().catch(() => [])
    q.org = orgs.value[0]?.id ?? ''
  })

  watch(() => [q.org, q.from, q.to], () => {
    if (q.org && q.from && q.to)
      void load()
  })

  return { orgs, q, ...summary, load, orgRows, memberRows, hasMore: pages.hasMore, loadMore: pages.more, listLoading: pages.listLoading, listError: pages.failed, whole }
}
