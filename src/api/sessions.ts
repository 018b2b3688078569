import { joinChannels, rpc } from './client'

export const SESSION_KINDS = ['center_group', 'lecture', 'report', 'research', 'self_study', 'general_meeting', 'committee_meeting', 'group_meeting', 'party_class'] as const
export type SessionKind = typeof SESSION_KINDS[number]
/** `expected`: on the list, nothing recorded yet; `null`: not on the list (e.g. an organiser). */
export const CHECKIN_STATUSES = ['present', 'late', 'excused', 'absent'] as const
/** a check-in's status, or 'expected' for someone expected who has none yet */
export type AttendanceStatus = typeof CHECKIN_STATUSES[number] | 'expected'
export const LEAVE_STATUSES = ['pending', 'approved', 'declined'] as const
export type LeaveStatus = typeof LEAVE_STATUSES[number]

export interface SessionListItem {
  id: string
  kind: SessionKind
  title: string
  starts_at: string
  duration_minutes: number
  place: string
  cancelled_at: string | null
  checkin_opens_at: string
  checkin_closes_at: string
  org_name: string
  can_run: boolean
  my_status: AttendanceStatus | null
}

export interface Counts { expected: number, present: number, late: number, excused: number, absent: number, pending_leave: number }

export interface Checkin {
  id: string
  session_id: string
  user_id: string
  status: AttendanceStatus
  method: 'code' | 'qr' | 'manual' | 'offline'
  checked_at: string
  claimed_at: string | null
  reason: string | null
}

export interface Minutes { topic: string, speakers: string, decisions: string, updated_at: string | null }

export interface SessionDetail extends Omit<SessionListItem, 'can_run'> {
  org_id: string
  /** Grace period: a check-in up to this many minutes after the start is present, later late. */
  late_after_minutes: number
  ends_at: string
  server_time: string
  organiser_id: string
  organiser_name: string
  expected_orgs: { id: string, name: string }[]
  invitees: { user_id: string, display_name: string }[]
  reading_ids: string[]
  readings: { id: string, title: string }[]
  minutes: Minutes
  expected: boolean
  can_run: boolean
  my_checkin: Checkin | null
  my_leave: { id: string, status: LeaveStatus, reason: string, created_at: string, decided_at: string | null } | null
  makeup_completed_at: string | null
  counts: Counts | null
  /** the research topic a 专题调研 session works on (public.session_detail in the research migration) */
  research_topic: { id: string, title: string, brief: string, org_name: string } | null
}

export interface SessionInput {
  id: string
  org_id: string
  kind: SessionKind
  title: string
  starts_at: string
  duration_minutes: number
  place: string
  expected_org_ids?: string[] | null
  invitee_ids?: string[]
  checkin_opens_at?: string | null
  checkin_closes_at?: string | null
  reading_ids?: string[]
  late_after_minutes?: number
}

export interface CheckinResult { status: 'ok' | 'already', checkin: Checkin }
export interface CheckinInput { id: string, sessionId: string, code: string, method: 'code' | 'qr', claimedAt?: string | null }
export interface CodeNow { code: string, step: number, expires_at: string, server_time: string, opens_at: string, closes_at: string, counts: Counts }

export interface SheetRow {
  user_id: string
  display_name: string
  org_name: string
  invitee: boolean
  status: AttendanceStatus
  method: Checkin['method'] | null
  checked_at: string | null
  claimed_at: string | null
  /** Sent from the phone after an offline check-in: claimed_at on the phone, checked_at received. */
  offline: boolean
  /** Used up their code attempts: the organiser marks them by hand. */
  code_locked: boolean
  reason: string | null
  marked_by_name: string | null
  leave: { id: string, status: LeaveStatus, reason: string, created_at: string } | null
}
export interface Sheet { session_id: string, starts_at: string, late_after_minutes: number, counts: Counts, rows: SheetRow[] }

export interface RateRow { expected: number, present: number, late: number, excused: number, absent: number, rate: number | null }
export interface Summary {
  org_id: string
  from: string
  to: string
  formula: string
  sessions: number
  /** The levels below the organisation asked for (null: all). */
  levels: number | null
  /**
   * With `levels`, each organisation at most that many levels below (`level`) with its subtree's
   * total; without, every organisation of the subtree with the members it brought directly.
   */
  orgs: (RateRow & { org_id: string, name: string, level: number })[]
  /** All the members listed (with `levels`: those of the organisations above the last level), of whom `members` is one page. */
  member_count: number
  members: (RateRow & { user_id: string, display_name: string, org_name: string })[]
  /** The cursor of the page after (null: the last page). */
  next: AttendanceCursor | null
}

/** Where a page of the rates' members ends: the member's place in the tree, name and id. */
export interface AttendanceCursor { path: string[], name: string, user_id: string }

export interface Makeup { session_id: string, title: string, kind: SessionKind, starts_at: string, status: AttendanceStatus, completed_at: string | null }
export interface InviteeCandidate { user_id: string, display_name: string, school: string, org_name: string | null }
export interface ManagedOrg { id: string, name: string, kind: string, parent_id: string | null }

export function listMySessions(scope: 'upcoming' | 'past', before: string | null = null, limit = 20) {
  return rpc<SessionListItem[]>('my_sessions', { p_scope: scope, p_before: before, p_limit: limit })
}

export const getSession = (id: string) => rpc<SessionDetail>('session_detail', { p_session_id: id })

export function saveSession(s: SessionInput) {
  return rpc<SessionDetail>('session_save', {
    p_id: s.id,
    p_org_id: s.org_id,
    p_kind: s.kind,
    p_title: s.title,
    p_starts_at: s.starts_at,
    p_duration_minutes: s.duration_minutes,
    p_place: s.place,
    p_expected_org_ids: s.expected_org_ids ?? null,
    p_invitee_ids: s.invitee_ids ?? [],
    p_checkin_opens_at: s.checkin_opens_at ?? null,
    p_checkin_closes_at: s.checkin_closes_at ?? null,
    p_reading_ids: s.reading_ids ?? [],
    p_late_after_minutes: s.late_after_minutes ?? 5,
  })
}

export const cancelSession = (id: string) => rpc<SessionDetail>('session_cancel', { p_session_id: id })

export function checkIn(c: CheckinInput) {
  return rpc<CheckinResult>('session_check_in', {
    p_id: c.id,
    p_session_id: c.sessionId,
    p_code: c.code,
    p_method: c.method,
    p_claimed_at: c.claimedAt ?? null,
  })
}

export const sessionCodeNow = (id: string) => rpc<CodeNow>('session_code_now', { p_session_id: id })
export const sessionCounts = (id: string) => rpc<Counts>('session_counts', { p_session_id: id })
export const attendanceSheet = (id: string) => rpc<Sheet>('attendance_sheet', { p_session_id: id })

export function markAttendance(sessionId: string, userId: string, status: 'present' | 'late', reason: string) {
  return rpc<Checkin>('attendance_mark', { p_session_id: sessionId, p_user_id: userId, p_status: status, p_reason: reason })
}

export function requestLeave(id: string, sessionId: string, reason: string) {
  return rpc<{ id: string, status: LeaveStatus, reason: string }>('leave_request', { p_id: id, p_session_id: sessionId, p_reason: reason })
}

export function decideLeave(leaveId: string, approve: boolean) {
  return rpc<{ id: string, status: LeaveStatus }>('leave_decide', { p_leave_id: leaveId, p_approve: approve })
}

export function saveMinutes(sessionId: string, m: Pick<Minutes, 'topic' | 'speakers' | 'decisions'>) {
  return rpc<Minutes>('session_save_minutes', { p_session_id: sessionId, p_topic: m.topic, p_speakers: m.speakers, p_decisions: m.decisions })
}

export const myMakeups = () => rpc<Makeup[]>('my_makeups')
export const completeMakeup = (sessionId: string) => rpc<{ session_id: string, completed_at: string }>('makeup_complete', { p_session_id: sessionId })

export function attendanceSummary(orgId: string, from: string, to: string, after: AttendanceCursor | null = null, limit = 100, levels: number | null = null) {
  return rpc<Summary>('attendance_summary', { p_org_id: orgId, p_from: from, p_to: to, p_after: after, p_limit: limit, p_depth: levels })
}

/** Members a secretary may name as invitees, by name or school (1..40 characters, at most 20). */
export const inviteeCandidates = (query: string) => rpc<InviteeCandidate[]>('session_invitee_candidates', { p_query: query })

export const orgsIManage = () => rpc<ManagedOrg[]>('session_orgs_i_manage')

/**
 * Live counts of a session for those who run it (private channel `attendance:<id>`, which only
 * they may join; sent by the database with the kept counts on every change). Returns the
 * unsubscribe function.
 */
export function onAttendance(sessionId: string, fn: (counts: Counts) => void): () => void {
  return joinChannels([`attendance:${sessionId}`], channel => channel.on('broadcast', { event: 'attendance' }, (m) => {
    const counts = (m.payload as { counts?: Counts } | undefined)?.counts
    if (counts)
      fn(counts)
  }))
}
