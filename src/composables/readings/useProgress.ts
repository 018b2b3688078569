import type { PlanProgress, ProgressCursor, ProgressMember } from '@/api/readings'
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { planProgress } from '@/api/readings'
import { useAsyncState } from '@/composables/useAsyncState'
import { useExport } from '@/composables/useExport'
import { useMorePages } from '@/composables/useMorePages'
import { saveFile } from '@/modules/download'
import { daysFromToday, formatTime } from '@/modules/time'
import { progressWorkbook } from './exportProgress'

export type SortKey = 'done' | 'name' | number

/** The secretary's progress view: load, sort, who is behind, export. */
export function useProgress(planId: () => string) {
  const { t } = useI18n()
  const orgId = ref<string | null>(null)
  const { data, state, errorKey, load: loadRaw } = useAsyncState((org: string | null) => planProgress(planId(), org))
  // later pages of members, fetched as the list is scrolled (a county has thousands)
  const pages = useMorePages((after: ProgressCursor, limit?: number) => planProgress(planId(), data.value!.org.id, after, limit))
  const { hasMore, loadingMore, listLoading, failed: listError, more: loadMore } = pages
  const members = computed(() => [...(data.value?.members ?? []), ...pages.later.value])
  const sortKey = ref<SortKey>('done')
  const asc = ref(true)
  const onlyBehind = ref(false)
  const { exporting, run } = useExport()

  /** A member is behind when the plan is due within a week (or past due) and they have not finished. */
  const dueSoon = computed(() => !!data.value && daysFromToday(data.value.plan.due_on) <= 7)
  const isBehind = (m: ProgressMember) => dueSoon.value && m.done < (data.value?.total ?? 0)
  // from the view's counts, not the loaded page: everyone not finished, once the plan is due soon
  const behindCount = computed(() => dueSoon.value && data.value ? data.value.member_count - data.value.complete_count : 0)

  const rows = computed(() => {
    const list = members.value.filter(m => !onlyBehind.value || isBehind(m))
    const k = sortKey.value
    const val = (m: ProgressMember): number | string => k === 'name' ? m.name : k === 'done' ? m.done : m.cells[k] ?? 0
    list.sort((a, b) => {
      const x = val(a)
      const y = val(b)
      const c = typeof x === 'string' ? x.localeCompare(String(y), 'zh-CN') : x - (y as number)
      return (asc.value ? c : -c) || a.name.localeCompare(b.name, 'zh-CN')
    })
    return list
  })

  function sortBy(k: SortKey) {
    if (sortKey.value === k) {
      asc.value = !asc.value
    }
    else {
      sortKey.value = k
      asc.value = k === 'name'
    }
  }

  async function load() {
    pages.restart(null)
    pages.restart(await loadRaw(orgId.value))
  }

  async function exportXlsx() {
    const p: PlanProgress | null = data.value
    if (!p)
      return
    await run(async () => {
      const blob = await progressWorkbook({ ...p, members: [...members.value, ...await pages.rest()] }, {
        sheet: t('readings.progress.sheet'),
        name: t('readings.progress.col_name'),
        org: t('readings.progress.col_org'),
        done: t('readings.progress.col_done'),
        total: t('readings.progress.col_total'),
        rate: t('readings.progress.col_rate'),
        status: t('readings.progress.col_status'),
        complete: t('readings.progress.complete'),
        incomplete: t('readings.progress.incomplete'),
        reading: (title, total) => t('readings.progress.col_reading', { title, total }),
      })
      saveFile(blob, `${t('readings.progress.sheet')}-${p.plan.title}-${p.org.name}-${formatTime(Date.now(), 'YYYYMMDD')}.xlsx`)
    })
  }

  return { data, state, errorKey, orgId, load, loadMore, hasMore, loadingMore, listLoading, listError, members, rows, sortKey, asc, sortBy, onlyBehind, isBehind, behindCount, exporting, exportXlsx }
}
