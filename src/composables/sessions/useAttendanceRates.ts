import type { ManagedOrg } from '@/api/sessions'
import { computed, onMounted, reactive, ref, watch } from 'vue'
import { attendanceSummary, orgsIManage } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'
import { bureauToday } from '@/modules/time'

/** Attendance rates of an organisation I manage over a period (default: this year so far), re-read as the choice changes. */
export function useAttendanceRates() {
  const orgs = ref<ManagedOrg[]>([])
  const q = reactive({ org: '', from: `${bureauToday().slice(0, 4)}-01-01`, to: bureauToday() })
  const summary = useAsyncState(() => attendanceSummary(q.org, q.from, q.to))
  const orgRows = computed(() => (summary.data.value?.orgs ?? []).map(o => ({ ...o, key: o.org_id, name: o.name })))
  const memberRows = computed(() => (summary.data.value?.members ?? []).map(m => ({ ...m, key: m.user_id, name: m.display_name, sub: m.org_name })))

  onMounted(async () => {
    orgs.value = await orgsIManage().catch(() => [])
    q.org = orgs.value[0]?.id ?? ''
  })

  watch(() => [q.org, q.from, q.to], () => {
    if (q.org && q.from && q.to)
      void summary.load()
  })

  return { orgs, q, ...summary, orgRows, memberRows }
}
