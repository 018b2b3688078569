import type { Roster, RosterMember } from '@/api/admin'
import type { Role } from '@/api/core'
import { computed, ref, shallowRef } from 'vue'
import { memberMove, memberRemove, memberSetRole, pendingRemove, roster } from '@/api/admin'
import { errorKey } from '@/api/errors'
import { setCadre } from '@/api/research'
import { useAction } from '@/composables/useAction'
import { useMorePages } from '@/composables/useMorePages'

/** A roster screen: the members of an organisation and below, and what a secretary does to them. */
export function useRoster() {
  const data = shallowRef<Roster | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let orgId = ''
  // later pages, loaded as the list is scrolled to its end
  const pages = useMorePages((after: string, limit?: number) => roster(orgId, after, limit))
  const members = computed(() => [...(data.value?.members ?? []), ...pages.later.value])

  async function load(id = orgId) {
    orgId = id
    if (!orgId)
      return
    loading.value = true
    error.value = null
    try {
      data.value = await roster(orgId)
      pages.restart(data.value)
    }
    catch (err) {
      error.value = errorKey(err)
    }
    finally {
      loading.value = false
    }
  }

  const { act } = useAction(() => load())

  return {
    data,
    loading,
    error,
    load,
    members,
    hasMore: pages.hasMore,
    loadMore: pages.more,
    listLoading: pages.listLoading,
    listError: pages.failed,
    setRole: (m: RosterMember, role: Role) => act(() => memberSetRole(m.membership_id, role), 'admin.roster.role_changed'),
    move: (m: RosterMember, toOrgId: string) => act(() => memberMove(m.membership_id, toOrgId), 'admin.roster.moved'),
    remove: (m: RosterMember, reason: string) => act(() => memberRemove(m.membership_id, reason), 'admin.roster.removed'),
    setCadre: (m: RosterMember, on: boolean) => act(() => setCadre(m.membership_id, on), on ? 'research.cadre.marked' : 'research.cadre.unmarked'),
    withdraw: (pendingId: string) => act(() => pendingRemove(pendingId), 'admin.roster.withdrawn'),
  }
}
