import type { OrgNode } from '@/api/admin'
import type { OrgKind } from '@/api/core'
import { orgCreate, orgMove, orgRename, orgRetire } from '@/api/admin'
import { useAction } from '@/composables/useAction'

/** The bureau admin's changes to the tree; each reloads the tree after it. */
export function useOrgAdmin(reload: () => Promise<void>) {
  const { busy, act } = useAction(reload)
  // one id per create form, so a double tap or a retry makes one organisation
  let createId: string | null = null

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
