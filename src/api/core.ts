import { rpc } from './client'

// Values the SQL checks (constraints, app.rank_of); supabase/tests/app-copies.test.ts fails if they part.
export const ORG_KINDS = ['bureau', 'committee', 'general_branch', 'branch', 'group'] as const
export type OrgKind = typeof ORG_KINDS[number]
export const ROLES = ['member', 'committee', 'secretary', 'admin'] as const
export type Role = typeof ROLES[number]
/** app.rank_of: what a role may do to another (a secretary makes committee members, not admins) */
export const ROLE_RANK: Record<Role, number> = { member: 1, committee: 2, secretary: 3, admin: 4 }

export interface InvitePreview {
  code: string
  org_id: string
  org_name: string
  org_kind: OrgKind
  parent_name: string | null
  role: Role
  /** true: joining asks the organisation's secretaries first (join_request_create) */
  needs_approval: boolean
}

export interface Redeemed { org_id: string, org_name: string, role: Role }

export interface Profile {
  user_id: string
  display_name: string
  school: string | null
  position: string | null
  phone: string | null
  email: string | null
}

export interface Membership {
  org_id: string
  org_name: string
  org_kind: OrgKind
  role: Role
  /** organisation names from the top down to this one */
  path: string[]
}

export interface MyContext {
  profile: Profile
  memberships: Membership[]
  is_admin: boolean
  can_manage: boolean
}

export interface ProfileInput {
  display_name: string
  school: string | null
  position: string | null
  phone: string | null
}

export interface HomeSummary {
  next_session: { id: string, title: string, kind: string, starts_at: string, place: string | null, my_status: string | null } | null
  continue_reading: { plan_id: string, reading_id: string, section_id: string, reading_title: string, section_title: string } | null
  due_plan: { id: string, title: string, due_on: string, done: number, total: number } | null
  topics: { id: string, title: string, new_replies: number }[] | null
  study_minutes_year: number
  /** only for those who manage an organisation */
  manage: { pending_members: number, active_invites: number } | null
  /** my_context(), so the first screen needs one call */
  context: MyContext
  /** the inbox's unread count (reminders now due included), for the tab bar and home */
  unread: number
}

export const invitePreview = (code: string) => rpc<InvitePreview>('invite_preview', { p_code: code.trim() })

export const redeemInvite = (code: string) => rpc<Redeemed>('invite_redeem', { p_code: code.trim() })

/** Asks to join through an invite that needs approval; `id` is made once by the client, so a retry asks once. */
export function joinRequestCreate(id: string, code: string) {
  return rpc<{ id: string, status: 'pending' | 'approved' | 'declined', org_id: string, org_name: string }>('join_request_create', { p_id: id, p_code: code.trim() })
}

export const myContext = () => rpc<MyContext>('my_context')

export function updateProfile(p: ProfileInput) {
  return rpc<Profile>('profile_update', {
    p_display_name: p.display_name,
    p_school: p.school,
    p_position: p.position,
    p_phone: p.phone,
  })
}

export const homeSummary = () => rpc<HomeSummary>('home_summary')
