import type { OrgNode } from '@/api/admin'
import { computed, ref, shallowRef } from 'vue'
import { orgTree } from '@/api/admin'
import { errorKey } from '@/api/errors'
import { useOrgQuery } from '@/composables/useOrgQuery'

/**
 * The organisations I manage (all of them for a bureau admin) and the one a page works on,
 * kept in the URL (`?org=`) so a reload or a shared link keeps it; `org` is that query value,
 * the page's prop.
 */
export function useManagedOrgs(org: () => string | undefined) {
  const orgs = shallowRef<OrgNode[]>([])
  const state = ref<'idle' | 'loading' | 'done' | 'error'>('idle')
  const error = ref<string | null>(null)

  const selectedId = computed(() => {
    const q = org() ?? ''
    return orgs.value.some(o => o.id === q) ? q : (orgs.value[0]?.id ?? '')
  })
  const selected = computed(() => orgs.value.find(o => o.id === selectedId.value) ?? null)
  /** the tree's top depth: indentation is relative to it */
  const baseDepth = computed(() => Math.min(...orgs.value.map(o => o.depth), 99))

  async function load() {
    state.value = 'loading'
    error.value = null
    try {
      orgs.value = await orgTree()
      state.value = 'done'
    }
    catch (err) {
      error.value = errorKey(err)
      state.value = 'error'
    }
  }

  /** pick another organisation (the picker); `open` goes down into one, so that Back returns */
  const select = useOrgQuery()

  return { orgs, state, error, selectedId, selected, baseDepth, load, select }
}
