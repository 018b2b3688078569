import type { AttendanceCursor, ManagedOrg, Summary } from '@/api/sessions'
import { computed, onMounted, reactive, ref, watch } from 'vue'
import { attendanceSummary, orgsIManage } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'
import { pagesAfter, useMorePages } from '@/composables/useMorePages'
import { SCREEN_LEVELS, useOrgQuery } from '@/composables/useOrgQuery'
import { bureauToday } from '@/modules/time'

/**
 * Attendance rates of an organisation I manage over a period (default: this year so far), re-read
 * as the choice changes. The organisation is the page's `?org=` (a reload or a shared link keeps
 * it; opening a row pushes it, so Back goes up). The screen is a level at a time — the
 * organisation's total, a row for each one below it, its own members a page at a time — since a
 * province's whole subtree is a thousand organisations and fifty thousand members; the export
 * has every organisation and every member.
 */
export function useAttendanceRates(org: () => string | undefined) {
  const orgs = ref<ManagedOrg[]>([])
  const period = reactive({ from: `${bureauToday().slice(0, 4)}-01-01`, to: bureauToday() })
  const orgId = computed(() => {
    const asked = org() ?? ''
    return orgs.value.some(o => o.id === asked) ? asked : (orgs.value[0]?.id ?? '')
  })
  const summary = useAsyncState(() => attendanceSummary(orgId.value, period.from, period.to, null, 100, SCREEN_LEVELS))
  // the later pages are of the period and organisation the first page was read for
  const page = (after: AttendanceCursor, limit?: number) => {
    const d = summary.data.value!
    return attendanceSummary(d.org_id, d.from, d.to, after, limit, d.levels)
  }
  const pages = useMorePages(page)
  // the organisation's own row first, then those below it, which open
  const orgRows = computed(() => (summary.data.value?.orgs ?? []).map(o => ({ ...o, key: o.org_id, name: o.name, opens: o.level > 0 ? o.org_id : undefined })))
  const members = computed(() => [...(summary.data.value?.members ?? []), ...pages.later.value])
  const memberRows = computed(() => members.value.map(m => ({ ...m, key: m.user_id, name: m.display_name, sub: m.org_name })))

  async function load() {
    pages.restart(await summary.load())
  }

  const select = useOrgQuery()

  /** The whole summary of the period on screen, every organisation and member in it (the export). */
  async function whole(): Promise<Summary | null> {
    const d = summary.data.value
    if (!d)
      return null
    const all = (after: AttendanceCursor | null, limit = 500) => attendanceSummary(d.org_id, d.from, d.to, after, limit, null)
    const first = await all(null)
    return { ...first, members: [...first.members, ...await pagesAfter(all, first.next)] }
  }

  onMounted(async () => {
    orgs.value = await orgsIManage().catch(() => [])
  })

  watch(() => [orgId.value, period.from, period.to], () => {
    if (orgId.value && period.from && period.to)
      void load()
  })

  return { orgs, orgId, period, select, ...summary, load, orgRows, memberRows, hasMore: pages.hasMore, loadMore: pages.more, listLoading: pages.listLoading, listError: pages.failed, whole }
}
