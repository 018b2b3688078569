import type { AuditEntry, AuditFilter } from '@/api/admin'
import { reactive, ref } from 'vue'
import { auditLog } from '@/api/admin'
import { errorKey } from '@/api/errors'

const PAGE = 30

/** The audit log as an infinite list (keyset by id) under filters that restart it. */
export function useAuditLog() {
  const filter = reactive<AuditFilter & { actorName?: string | null }>({ orgId: null, actorId: null, action: null, actorName: null })
  const items = ref<AuditEntry[]>([])
  const loading = ref(false)
  const finished = ref(false)
  const error = ref<string | null>(null)

  async function more() {
    loading.value = true
    error.value = null
    try {
      const before = items.value.at(-1)?.id ?? null
      const page = await auditLog(filter, before, PAGE)
      items.value.push(...page)
      finished.value = page.length < PAGE
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      loading.value = false
    }
  }

  async function restart() {
    items.value = []
    finished.value = false
    await more()
  }

  return { filter, items, loading, finished, error, more, restart }
}
