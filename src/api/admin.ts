import type { OrgKind, Role } from './core'
import { rpc } from './client'

/** Management: organisation tree, rosters, roster import, invites, audit log, reports, 学时. */

export interface OrgNode {
  id: string
  parent_id: string | null
  kind: OrgKind
  name: string
  depth: number
  sort_order: number
  retired_at: string | null
  member_count?: number
  path_names?: string[]
}

export interface RosterMember {
  membership_id: string
  user_id: string
  display_name: string
  school: string
  position: string
  phone: string | null
  role: Role
  org_id: string
  org_name: string
  joined_at: string
  is_me: boolean
  /** 副校级以上干部: owes a research article a year (public.member_set_cadre) */
  is_cadre: boolean
}

export interface PendingMember {
  id: string
  display_name: string
  phone: string
  role: Role
  org_id: string
  org_name: string
  created_at: string
  is_cadre: boolean
}

export interface Roster {
  org_id: string
  my_rank: number
  /** one page, in roster order (organisation, highest role, name) */
  members: RosterMember[]
  /** pass back as `after` for the next page; null on the last */
  next: string | null
  /** first page only: active members per organisation of the whole roster */
  org_counts: Record<string, number> | null
  /** first page only */
  pending: PendingMember[]
}

/** One row of a roster file as the secretary wrote it; `line` is its row number as Excel shows it. */
export interface ImportRow { name: string, phone: string, org: string, role: string, cadre?: string, line?: number }

export type ImportRowError
  = | 'row_invalid' | 'name_required' | 'name_too_long' | 'phone_required' | 'phone_invalid' | 'phone_duplicate'
    | 'org_not_found' | 'org_ambiguous' | 'role_invalid' | 'role_above_own' | 'already_member' | 'cadre_invalid'

export interface ImportCheckedRow {
  /** place in the rows sent (0-based) */
  index: number
  /** the row number Excel shows */
  row: number
  name?: string
  phone?: string | null
  org_id?: string | null
  role?: Role | null
  is_cadre?: boolean | null
  errors: ImportRowError[]
}

export interface ImportCheck { rows: ImportCheckedRow[], total: number, bad: number }
/** Saved rows and the rows left out with their reasons; the same whether or not a phone has an account. */
export interface ImportResult {
  import_id: string
  total: number
  saved: number
  bad: { index: number, row: number, errors: ImportRowError[] }[]
}

/** A roster row addressed to my verified phone by another organisation: join only if I accept. */
export interface RosterRequest {
  id: string
  org_id: string
  org_name: string
  path_names: string[]
  role: Role
  invited_by_name: string | null
  created_at: string
}

export type InviteStatus = 'active' | 'revoked' | 'expired' | 'used_up'
export interface Invite {
  id: string
  org_id: string
  code: string
  role: Role
  expires_at: string | null
  max_uses: number | null
  use_count: number
  revoked_at: string | null
  created_at: string
  status: InviteStatus
  /** 需审批: whoever opens the code asks to join (invite_create makes invites that admit at once) */
  needs_approval: boolean
}

export interface AuditEntry {
  id: number
  at: string
  action: string
  actor_id: string | null
  actor_name: string | null
  org_id: string | null
  org_name: string | null
  subject_id: string | null
  subject_name: string | null
  detail: Record<string, unknown>
}

export interface AuditFilter { orgId?: string | null, actorId?: string | null, action?: string | null }

export interface ReportAttendance { kind: string, expected: number, attended: number, excused: number }
export interface ReportReading { plan_id: string, members: number, done: number, total: number, done_members: number }
export interface ReportOrg {
  id: string
  name: string
  kind: OrgKind
  parent_id: string | null
  /** levels below the report's root */
  depth: number
  members: number
  pending: number
  posters: number
  posts: number
  session_minutes: number
  reading_minutes: number
  attendance: ReportAttendance[]
  expected: number
  attended: number
  reading: ReportReading[]
  read_done: number
  read_total: number
}
export interface Report {
  root_id: string
  from: string
  to: string
  /** the levels below the root that orgs lists; null: the whole subtree */
  levels: number | null
  plans: { id: string, title: string, due_on: string, sections: number }[]
  topics: { id: string, title: string, posts: number, posters: number }[]
  orgs: ReportOrg[]
}

export interface StudyHours {
  from: string
  to: string
  members: number
  session_minutes: number
  reading_minutes: number
  sessions: number
  sections: number
  months: { month: string, session_minutes: number, reading_minutes: number }[]
}

// organisation tree (bureau admins write; managers read their subtree)
export const orgTree = (includeRetired = false) => rpc<OrgNode[]>('org_tree', { p_include_retired: includeRetired })
export function orgCreate(id: string, parentId: string, kind: OrgKind, name: string) {
  return rpc<OrgNode>('org_create', { p_id: id, p_parent_id: parentId, p_kind: kind, p_name: name.trim() })
}
export const orgRename = (orgId: string, name: string) => rpc<OrgNode>('org_rename', { p_org_id: orgId, p_name: name.trim() })
export const orgMove = (orgId: string, parentId: string) => rpc<OrgNode>('org_move', { p_org_id: orgId, p_parent_id: parentId })
export const orgRetire = (orgId: string) => rpc<OrgNode>('org_retire', { p_org_id: orgId })

// roster and roles
/** The roster of an organisation and below, a page at a time (at most 500). */
export const roster = (orgId: string, after: string | null = null, limit = 100) => rpc<Roster>('roster', { p_org_id: orgId, p_after: after, p_limit: limit })
export function memberSetRole(membershipId: string, role: Role) {
  return rpc<{ membership_id: string, role: Role }>('member_set_role', { p_membership_id: membershipId, p_role: role })
}
export function memberMove(membershipId: string, toOrgId: string) {
  return rpc<{ membership_id: string, org_id: string, org_name: string }>('member_move', { p_membership_id: membershipId, p_to_org_id: toOrgId })
}
export function memberRemove(membershipId: string, reason: string) {
  return rpc<{ membership_id: string, ended: boolean }>('member_remove', { p_membership_id: membershipId, p_reason: reason.trim() })
}
export const pendingRemove = (pendingId: string) => rpc<{ id: string, removed: boolean }>('pending_member_remove', { p_pending_id: pendingId })

// roster import: check first, then save the good rows (the id makes a retry harmless)
export const rosterImportCheck = (orgId: string, rows: ImportRow[]) => rpc<ImportCheck>('roster_import_check', { p_org_id: orgId, p_rows: rows })
export function rosterImport(id: string, orgId: string, rows: ImportRow[]) {
  return rpc<ImportResult>('roster_import', { p_id: id, p_org_id: orgId, p_rows: rows })
}

// requests to join that reached me through another organisation's roster
export const myRosterRequests = () => rpc<RosterRequest[]>('my_roster_requests')
export function rosterRequestAnswer(pendingId: string, accept: boolean) {
  return rpc<{ id: string, org_id: string, accepted: boolean }>('roster_request_answer', { p_pending_id: pendingId, p_accept: accept })
}

// invites
export function inviteCreate(id: string, orgId: string, expiresAt: Date, maxUses: number | null, role: 'member' | 'committee' = 'member') {
  return rpc<Invite>('invite_create', { p_id: id, p_org_id: orgId, p_expires_at: expiresAt.toISOString(), p_max_uses: maxUses, p_role: role })
}
export const inviteList = (orgId: string) => rpc<Invite[]>('invite_list', { p_org_id: orgId })
export const inviteRevoke = (inviteId: string) => rpc<Invite>('invite_revoke', { p_invite_id: inviteId })
/** 需审批: opening the invite asks the secretaries instead of admitting at once. */
export function inviteSetApproval(inviteId: string, needsApproval: boolean) {
  return rpc<Invite>('invite_set_approval', { p_invite_id: inviteId, p_needs_approval: needsApproval })
}

// join requests (through an invite that needs approval)
export interface JoinRequest {
  id: string
  org_id: string
  org_name: string
  role: 'member' | 'committee'
  status: 'pending' | 'approved' | 'declined'
  created_at: string
  answered_at: string | null
  user_id: string
  display_name: string
  school: string | null
  position: string | null
}
/** Waiting ones first, then those answered in the last 30 days, in the organisations I manage. */
export const joinRequestsList = () => rpc<JoinRequest[]>('join_request_list')
/** Keyed by the request: answering again the same way returns the same and changes nothing. */
export function joinRequestAnswer(id: string, approve: boolean) {
  return rpc<JoinRequest>('join_request_answer', { p_id: id, p_approve: approve })
}

// audit log (bureau admins), newest first, keyset by id
export function auditLog(filter: AuditFilter, before: number | null, limit = 30) {
  return rpc<AuditEntry[]>('audit_log', {
    p_org_id: filter.orgId || null,
    p_actor_id: filter.actorId || null,
    p_action: filter.action || null,
    p_before: before,
    p_limit: limit,
  })
}

// reports and 学时; dates are 'YYYY-MM-DD'; levels: how many levels below the root to list (null: all)
export function reportOrg(orgId: string, from: string, to: string, levels: number | null = null) {
  return rpc<Report>('report_org', { p_org_id: orgId, p_from: from, p_to: to, p_depth: levels })
}
export function reportBureau(from: string, to: string, levels: number | null = null) {
  return rpc<Report>('report_bureau', { p_from: from, p_to: to, p_depth: levels })
}
export const myStudyHours = (from: string, to: string) => rpc<StudyHours>('my_study_hours', { p_from: from, p_to: to })
