import type { AuditEntry, AuditFilter } from '@/api/admin'
import { reactive } from 'vue'
import { auditLog } from '@/api/admin'
import { usePagedList } from '@/composables/usePagedList'

const PAGE = 30

/** The audit log as an infinite list (keyset by id) under filters that restart it. */
export function useAuditLog() {
  const filter = reactive<AuditFilter & { actorName?: string | null }>({ orgId: null, actorId: null, action: null, actorName: null })
  const list = usePagedList<AuditEntry>(last => auditLog(filter, last?.id ?? null, PAGE), PAGE)
  return { filter, ...list }
}
