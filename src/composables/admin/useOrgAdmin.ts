import type { OrgNode } from '@/api/admin'
import type { OrgKind } from '@/api/core'
import { showSuccessToast, showToast } from 'vant'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { orgCreate, orgMove, orgRename, orgRetire } from '@/api/admin'
import { errorMessage } from '@/api/errors'

/** The bureau admin's changes to the tree; each reloads the tree after it. */
export function useOrgAdmin(reload: () => Promise<void>) {
  const { t } = useI18n()
  const busy = ref(false)
  // one id per create form, so a double tap or a retry makes one organisation
  let createId: string | null = null

  async function act(fn: () => Promise<unknown>, done: string): Promise<boolean> {
    busy.value = true
    try {
      await fn()
      showSuccessToast(t(done))
      await reload()
      return true
    }
    catch (err) {
      showToast(errorMessage(err))
      return false
    }
    finally {
      busy.value = false
    }
  }

  return {
    busy,
    async create(parent: OrgNode, kind: OrgKind, name: string) {
      createId ??= crypto.randomUUID()
      const ok = await act(() => orgCreate(createId!, parent.id, kind, name), 'admin.orgs.created')
      if (ok)
        createId = null
      return ok
    },
    rename: (org: OrgNode, name: string) => act(() => orgRename(org.id, name), 'admin.orgs.renamed'),
    move: (org: OrgNode, parentId: string) => act(() => orgMove(org.id, parentId), 'admin.orgs.moved'),
    retire: (org: OrgNode) => act(() => orgRetire(org.id), 'admin.orgs.retired'),
  }
}
