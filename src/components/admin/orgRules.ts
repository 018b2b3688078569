import type { OrgKind } from '@/api/core'

/** Which kinds may sit directly under which (the SQL's app.org_kind_allowed, for the forms). */
export const CHILD_KINDS: Record<OrgKind, OrgKind[]> = {
  bureau: ['committee', 'general_branch', 'branch'],
  committee: ['general_branch', 'branch'],
  general_branch: ['branch'],
  branch: ['group'],
  group: [],
}
