import { rpc } from './client'

export const VISIBILITIES = ['private', 'branch'] as const
export type Visibility = typeof VISIBILITIES[number]

export interface PlanSummary {
  id: string
  title: string
  description: string
  due_on: string
  /** the first of its organisations */
  org_id: string
  /** the names of all its organisations, joined with '、' */
  org_name: string
  org_ids: string[]
  reading_count: number
  total: number
  done: number
  /** the plan is for one of my organisations (or above), not only one I oversee */
  assigned_to_me: boolean
  can_manage: boolean
}

export interface PlanReading {
  id: string
  title: string
  author: string
  where_to_read: string
  position: number
  total: number
  done: number
  est_minutes: number | null
  has_text: boolean
}

export interface PlanDetail {
  plan: { id: string, title: string, description: string, due_on: string, org_id: string, org_name: string, org_ids: string[], can_manage: boolean }
  readings: PlanReading[]
}

export interface SectionItem {
  id: string
  position: number
  title: string
  has_text: boolean
  where_to_read: string
  est_minutes: number | null
  read_at: string | null
}

export interface Note {
  id: string
  reading_id: string
  body: string
  visibility: Visibility
  org_id: string | null
  org_name: string | null
  version: number
  updated_at: string
}

export interface SharedNote { id: string, author_name: string, org_name: string, body: string, updated_at: string }

export interface ReadingDetail {
  reading: { id: string, title: string, author: string, where_to_read: string, est_minutes: number | null }
  sections: SectionItem[]
  my_note: Note | null
  shared_notes: SharedNote[]
  share_orgs: { id: string, name: string }[]
}

export interface SectionText {
  id: string
  position: number
  title: string
  body_md: string | null
  where_to_read: string
  est_minutes: number | null
  read_at: string | null
}

export interface ReadingTexts {
  id: string
  title: string
  author: string
  where_to_read: string
  sections: SectionText[]
}

export interface TickResult { section_id: string, read: boolean, read_at: string | null }

export interface SaveNoteResult { note: Note, overwrote_newer: boolean }

export interface ProgressCursor { done: number, name: string, user_id: string }

export interface ProgressMember { user_id: string, name: string, org_name: string, cells: number[], done: number }

export interface PlanProgress {
  plan: { id: string, title: string, due_on: string, overdue: boolean }
  org: { id: string, name: string }
  /** the plan's organisations I manage: what the view can switch to */
  orgs: { id: string, name: string }[]
  total: number
  readings: { id: string, title: string, total: number, done_members: number }[]
  /** all members of the view (the page holds some of them) and how many of them finished */
  member_count: number
  complete_count: number
  /** one page, least read first (then name) */
  members: ProgressMember[]
  /** pass back as `after` for the next page; null on the last */
  next: ProgressCursor | null
  shared_notes: { id: string, reading_id: string, author_name: string, body: string, updated_at: string }[]
}

export interface ReadingCatalog {
  readings: { id: string, title: string, author: string, org_id: string, sections: number }[]
  orgs: { id: string, name: string, kind: string }[]
}

export interface SectionInput { title: string, body_md?: string | null, where_to_read?: string, est_minutes?: number | null }

export interface ReadingInput {
  id: string
  org_id: string
  title: string
  author: string
  where_to_read: string
  sections: SectionInput[]
}

export interface PlanInput {
  id: string
  /** organisations I manage; the first owns the plan */
  org_ids: string[]
  title: string
  description: string
  /** YYYY-MM-DD */
  due_on: string
  reading_ids: string[]
}

export const plansList = () => rpc<PlanSummary[]>('plan_list')

export const planDetail = (planId: string) => rpc<PlanDetail>('plan_detail', { p_plan_id: planId })

export const readingDetail = (readingId: string) => rpc<ReadingDetail>('reading_detail', { p_reading_id: readingId })

export const readingTexts = (readingId: string) => rpc<ReadingTexts>('reading_texts', { p_reading_id: readingId })

export function tickSection(sectionId: string, read: boolean, clientTime: string | null = null) {
  return rpc<TickResult>('section_tick', { p_section_id: sectionId, p_read: read, p_client_time: clientTime })
}

export interface NoteSaveInput { id: string, reading_id: string, body: string, visibility: Visibility, base_version: number | null, org_id?: string | null }

export function saveNote(n: NoteSaveInput) {
  return rpc<SaveNoteResult>('note_save', {
    p_id: n.id,
    p_reading_id: n.reading_id,
    p_body: n.body,
    p_visibility: n.visibility,
    p_base_version: n.base_version,
    p_org_id: n.org_id ?? null,
  })
}

export const deleteNote = (id: string) => rpc<{ id: string, deleted: boolean }>('note_delete', { p_id: id })

/** The progress view of a plan for one organisation, a page of members at a time (at most 500). */
export function planProgress(planId: string, orgId: string | null = null, after: ProgressCursor | null = null, limit = 50) {
  return rpc<PlanProgress>('plan_progress', { p_plan_id: planId, p_org_id: orgId, p_after: after, p_limit: limit })
}

export const readingCatalog = () => rpc<ReadingCatalog>('reading_catalog')

export function createReading(r: ReadingInput) {
  return rpc<ReadingDetail>('reading_create', {
    p_id: r.id,
    p_org_id: r.org_id,
    p_title: r.title,
    p_author: r.author,
    p_where_to_read: r.where_to_read,
    p_sections: r.sections,
  })
}

export function createPlan(p: PlanInput) {
  return rpc<PlanDetail>('plan_create', {
    p_id: p.id,
    p_org_ids: p.org_ids,
    p_title: p.title,
    p_description: p.description,
    p_due_on: p.due_on,
    p_reading_ids: p.reading_ids,
  })
}

// Correcting plans and readings (secretaries of their organisations; the bureau for all).

export interface PlanEditData extends PlanDetail {
  plan: PlanDetail['plan'] & { archived_at: string | null }
}

export interface PlanUpdateInput { plan_id: string, title: string, description: string, due_on: string, reading_ids: string[] }

export const planEditData = (planId: string) => rpc<PlanEditData>('plan_edit_data', { p_plan_id: planId })

/** The whole new state: saving the same twice (a retry) changes nothing. */
export function planUpdate(p: PlanUpdateInput) {
  return rpc<PlanDetail>('plan_update', {
    p_plan_id: p.plan_id,
    p_title: p.title,
    p_description: p.description,
    p_due_on: p.due_on,
    p_reading_ids: p.reading_ids,
  })
}

export const planArchive = (planId: string, archived: boolean) => rpc<{ id: string, archived: boolean }>('plan_archive', { p_plan_id: planId, p_archived: archived })

/** A section on the edit screen: `id` is the section's own, or made by the client for a new one. */
export interface SectionEdit { id: string, title: string, body_md: string | null, where_to_read: string, est_minutes: number | null }

export interface ReadingEditData {
  reading: { id: string, title: string, author: string, where_to_read: string, org_id: string, org_name: string }
  /** `readers`: members who ticked it (their ticks go to history if it is removed) */
  sections: (SectionEdit & { position: number, readers: number })[]
  /** sections removed so far, kept in history */
  removed: number
}

export interface ReadingUpdateInput { reading_id: string, title: string, author: string, where_to_read: string, sections: SectionEdit[] }

export const readingEditData = (readingId: string) => rpc<ReadingEditData>('reading_edit_data', { p_reading_id: readingId })

/** The whole new state, sections in order (kept by id, new ones with client-made ids): a retry changes nothing. */
export function readingUpdate(r: ReadingUpdateInput) {
  return rpc<ReadingEditData>('reading_update', {
    p_reading_id: r.reading_id,
    p_title: r.title,
    p_author: r.author,
    p_where_to_read: r.where_to_read,
    p_sections: r.sections,
  })
}
