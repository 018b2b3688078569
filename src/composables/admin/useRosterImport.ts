import type { ImportCheck, ImportResult, ImportRow } from '@/api/admin'
import { computed, ref, shallowRef } from 'vue'
import { rosterImport, rosterImportCheck } from '@/api/admin'
import { errorKey } from '@/api/errors'
import { readRosterFile } from '@/components/admin/rosterFile'

/**
 * Pick file → check on the server → fix bad rows (or not) → import the good rows; the rows
 * left out stay listed with their reasons and can be downloaded. The import id is made once
 * per checked list, so a retried tap saves nothing twice.
 */
export function useRosterImport() {
  const rows = ref<ImportRow[]>([])
  const fileName = ref('')
  const check = shallowRef<ImportCheck | null>(null)
  const result = shallowRef<ImportResult | null>(null)
  const busy = ref(false)
  /** rows edited since the last check: check again before importing */
  const dirty = ref(false)
  const error = ref<string | null>(null)
  let importId = crypto.randomUUID()

  const badRows = computed(() => (check.value?.rows ?? []).filter(r => r.errors.length > 0))
  const good = computed(() => check.value ? check.value.total - check.value.bad : 0)
  const ready = computed(() => check.value !== null && good.value > 0 && !dirty.value && !result.value)

  async function run<T>(fn: () => Promise<T>): Promise<T | null> {
    busy.value = true
    error.value = null
    try {
      return await fn()
    }
    catch (err) {
      error.value = errorKey(err)
      return null
    }
    finally {
      busy.value = false
    }
  }

  async function pick(file: File, orgId: string) {
    reset()
    fileName.value = file.name
    const read = await run(() => readRosterFile(file))
    if (read === null)
      return
    if (!read.length) {
      error.value = 'errors.admin.rows_empty'
      return
    }
    rows.value = read
    await recheck(orgId)
  }

  async function recheck(orgId: string) {
    importId = crypto.randomUUID()
    const checked = await run(() => rosterImportCheck(orgId, rows.value))
    if (checked) {
      check.value = checked
      dirty.value = false
    }
  }

  function update(index: number, row: ImportRow) {
    rows.value[index] = row
    dirty.value = true
  }

  function removeRow(index: number) {
    rows.value.splice(index, 1)
    dirty.value = true
  }

  async function save(orgId: string) {
    result.value = await run(() => rosterImport(importId, orgId, rows.value))
  }

  function reset() {
    rows.value = []
    fileName.value = ''
    check.value = null
    result.value = null
    error.value = null
    dirty.value = false
  }

  return { rows, fileName, check, result, busy, error, dirty, badRows, good, ready, pick, recheck, update, removeRow, save, reset }
}
