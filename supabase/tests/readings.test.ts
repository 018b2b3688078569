import type { Db } from '../local/db'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, as, count, createUser, expectError, freshDb, ids } from './db'

// Seeded content (seeds/10_readings.sql)
const R = (n: number) => `00000000-0000-4000-9100-${String(n).padStart(12, '0')}`
const S = (r: number, s: number) => `00000000-0000-4000-9200-${String(r).padStart(8, '0')}${String(s).padStart(4, '0')}`
const countyPlan = '00000000-0000-4000-9300-000000000001'
const branchAPlan = '00000000-0000-4000-9300-000000000002'
const sharedNoteA2 = '00000000-0000-4000-9400-000000000001'
const privateNoteA = '00000000-0000-4000-9400-000000000002'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const n = (sql: string, params?: unknown[]) => count(db, sql, params)
const seen = (uid: string | null, sql: string) => as(db, uid).query(sql).then(r => r.rows.length)

/** A new member of an organisation, with no ticks or notes yet. */
async function member(org: string, role = 'member'): Promise<string> {
  const u = await createUser(db)
  await addMember(db, org, u, role)
  return u
}

/** A snapshot of everything the readings area stores, to prove a refused call changed nothing. */
async function snapshot(): Promise<string> {
  const { rows } = await db.query<{ s: string }>(`select concat_ws('|',
    (select count(*) from app.readings), (select count(*) from app.reading_sections),
    (select count(*) from app.study_plans), (select count(*) from app.plan_readings), (select count(*) from app.plan_orgs),
    (select count(*) from app.section_ticks), (select string_agg(read_at::text, ',' order by user_id, section_id) from app.section_ticks),
    (select string_agg(done::text, ',' order by user_id, reading_id) from app.reading_progress),
    (select string_agg(id || body || visibility || version, ',' order by id) from app.notes)) as s`)
  return rows[0]!.s
}

/** Runs the call after the snapshot (a thunk, so it does not start before), expects the key, compares. */
async function unchanged(call: () => Promise<unknown>, key: string) {
  const before = await snapshot()
  await expectError(call(), key)
  expect(await snapshot()).toBe(before)
}

describe('RLS matrix: direct SQL under each role', () => {
  it('anonymous callers are refused every table', async () => {
    for (const t of ['readings', 'reading_sections', 'study_plans', 'plan_readings', 'section_ticks', 'reading_progress', 'notes'])
      await expect(as(db, null).query(`select * from app.${t}`)).rejects.toThrow(/permission denied/)
  })

  it('a branch plan is seen by its branch, its secretary and those above, never by branch B', async () => {
    const sql = `select 1 from app.study_plans where id = '${branchAPlan}'`
    expect(await seen(ids.teacherA, sql)).toBe(1)
    expect(await seen(ids.secretaryA, sql)).toBe(1)
    expect(await seen(ids.admin, sql)).toBe(1)
    expect(await seen(ids.principal, sql)).toBe(1) // committee member of the school above
    expect(await seen(ids.teacherB, sql)).toBe(0)
    expect(await seen(ids.secretaryB, sql)).toBe(0)
    expect(await seen(ids.teacherA2branch, sql)).toBe(0) // sibling branch of the same school
    expect(await seen(ids.teacherB, `select 1 from app.plan_readings where plan_id = '${branchAPlan}'`)).toBe(0)
    // the county plan reaches everyone
    expect(await seen(ids.teacherB, `select 1 from app.study_plans where id = '${countyPlan}'`)).toBe(1)
    expect(await seen(ids.teacherBgroup, `select 1 from app.study_plans where id = '${countyPlan}'`)).toBe(1)
  })

  it('ticks: own rows, and those of members a secretary manages; nobody else', async () => {
    const sql = `select 1 from app.section_ticks where user_id = '${ids.teacherA2}'`
    const all = await n(sql)
    expect(all).toBeGreaterThan(0)
    expect(await seen(ids.teacherA2, sql)).toBe(all)
    expect(await seen(ids.teacherA, sql)).toBe(0) // same branch, plain member
    expect(await seen(ids.teacherB, sql)).toBe(0)
    expect(await seen(ids.secretaryA, sql)).toBe(all)
    expect(await seen(ids.secretaryB, sql)).toBe(0)
    expect(await seen(ids.principal, sql)).toBe(0) // committee rank does not read colleagues' ticks
    expect(await seen(ids.admin, sql)).toBe(all)
  })

  it('a member cannot tick for another, nor delete another\'s tick', async () => {
    await expect(as(db, ids.teacherA).exec(`insert into app.section_ticks (user_id, section_id) values ('${ids.teacherB}', '${S(1, 5)}')`))
      .rejects
      .toThrow(/row-level security/)
    const before = await n(`select 1 from app.section_ticks where user_id = '${ids.teacherA2}'`)
    await as(db, ids.teacherA).exec(`delete from app.section_ticks where user_id = '${ids.teacherA2}'`)
    await as(db, ids.secretaryA).exec(`delete from app.section_ticks where user_id = '${ids.teacherA2}'`)
    expect(await n(`select 1 from app.section_ticks where user_id = '${ids.teacherA2}'`)).toBe(before)
  })

  it('private notes: only the author, ever — not the secretary, not the admin', async () => {
    const sql = `select 1 from app.notes where id = '${privateNoteA}'`
    expect(await seen(ids.teacherA, sql)).toBe(1)
    for (const uid of [ids.teacherA2, ids.secretaryA, ids.principal, ids.admin, ids.teacherB, null].filter(Boolean))
      expect(await seen(uid, sql)).toBe(0)
    await as(db, ids.secretaryA).exec(`update app.notes set body = 'x' where id = '${privateNoteA}'`)
    await as(db, ids.admin).exec(`delete from app.notes where id = '${privateNoteA}'`)
    expect(await n(`select 1 from app.notes where id = '${privateNoteA}' and body <> 'x'`)).toBe(1)
  })

  it('shared notes: the branch and those above it; not branch B', async () => {
    const sql = `select 1 from app.notes where id = '${sharedNoteA2}'`
    expect(await seen(ids.teacherA, sql)).toBe(1)
    expect(await seen(ids.secretaryA, sql)).toBe(1)
    expect(await seen(ids.principal, sql)).toBe(1)
    expect(await seen(ids.admin, sql)).toBe(1)
    expect(await seen(ids.teacherB, sql)).toBe(0)
    expect(await seen(ids.secretaryB, sql)).toBe(0)
    expect(await seen(ids.teacherA2branch, sql)).toBe(0)
  })

  it('members cannot write readings or plans directly; a secretary only for their own organisation', async () => {
    await expect(as(db, ids.teacherA).exec(`insert into app.readings (org_id, title) values ('${ids.branchA}', 't')`)).rejects.toThrow(/row-level security/)
    await expect(as(db, ids.secretaryA).exec(`insert into app.study_plans (org_id, title, due_on) values ('${ids.branchB}', 't', current_date)`)).rejects.toThrow(/row-level security/)
    await expect(as(db, ids.secretaryA).exec(`insert into app.study_plans (org_id, title, due_on) values ('${ids.bureau}', 't', current_date)`)).rejects.toThrow(/row-level security/)
    await expect(as(db, ids.teacherA).exec(`update app.study_plans set title = 'x'`)).rejects.toThrow(/permission denied/)
  })
})

describe('plans and readings through the API', () => {
  it('plan_list: a teacher sees the county plan and their branch plan with their progress', async () => {
    const list = await as(db, ids.teacherA).rpc('plan_list')
    expect(list.map((p: any) => p.id).sort()).toEqual([countyPlan, branchAPlan].sort())
    const county = list.find((p: any) => p.id === countyPlan)
    expect(county).toMatchObject({ assigned_to_me: true, can_manage: false, reading_count: 8, done: 2 })
    expect(county.total).toBeGreaterThan(20)
    const b = await as(db, ids.teacherB).rpc('plan_list')
    expect(b.map((p: any) => p.id)).toEqual([countyPlan])
  })

  it('plan_detail: readings in order; another branch\'s plan is not found', async () => {
    const d = await as(db, ids.teacherA).rpc('plan_detail', { p_plan_id: countyPlan })
    expect(d.plan.title).toBe('2012年理论学习计划')
    expect(d.readings[0]).toMatchObject({ id: R(1), title: '2012年党建工作要点', total: 6, done: 2, has_text: true })
    await expectError(as(db, ids.teacherB).rpc('plan_detail', { p_plan_id: branchAPlan }), 'readings.plan_not_found')
    await expectError(as(db, ids.teacherA).rpc('plan_detail', { p_plan_id: randomUUID() }), 'readings.plan_not_found')
    await expect(as(db, null).rpc('plan_detail', { p_plan_id: countyPlan })).rejects.toThrow(/permission denied/)
  })

  it('reading_detail: my ticks, my note, the branch\'s shared notes — never another\'s private note', async () => {
    const d = await as(db, ids.teacherA).rpc('reading_detail', { p_reading_id: R(1) })
    expect(d.sections).toHaveLength(6)
    expect(d.sections.filter((s: any) => s.read_at).length).toBe(2)
    expect(d.my_note).toMatchObject({ id: privateNoteA, visibility: 'private' })
    expect(d.shared_notes.map((x: any) => x.id)).toEqual([sharedNoteA2])
    const sec = await as(db, ids.secretaryA).rpc('reading_detail', { p_reading_id: R(1) })
    expect(sec.shared_notes.map((x: any) => x.id)).toEqual([sharedNoteA2])
    expect(JSON.stringify(sec)).not.toContain(privateNoteA)
    const b = await as(db, ids.teacherB).rpc('reading_detail', { p_reading_id: R(1) })
    expect(b.shared_notes).toEqual([])
    expect(b.my_note).toBeNull()
  })

  it('reading_texts: every section\'s text, in order', async () => {
    const all = await as(db, ids.teacherA).rpc('reading_texts', { p_reading_id: R(1) })
    expect(all.sections.map((x: any) => x.position)).toEqual([1, 2, 3, 4, 5, 6])
    await expectError(as(db, ids.teacherA).rpc('reading_texts', { p_reading_id: randomUUID() }), 'readings.reading_not_found')
  })
})

describe('ticks', () => {
  it('tick, re-tick and untick are idempotent and touch only my row', async () => {
    const u = await member(ids.branchA)
    const me = as(db, u)
    const first = await me.rpc('section_tick', { p_section_id: S(1, 3), p_read: true, p_client_time: '2026-01-01T08:00:00Z' })
    expect(first).toMatchObject({ section_id: S(1, 3), read: true })
    const again = await me.rpc('section_tick', { p_section_id: S(1, 3), p_read: true, p_client_time: new Date().toISOString() })
    expect(again.read_at).toBe(first.read_at) // the first time is kept
    expect(await n('select 1 from app.section_ticks where user_id = $1', [u])).toBe(1)
    await me.rpc('section_tick', { p_section_id: S(1, 3), p_read: false })
    await me.rpc('section_tick', { p_section_id: S(1, 3), p_read: false })
    expect(await n('select 1 from app.section_ticks where user_id = $1', [u])).toBe(0)
    await me.rpc('section_tick', { p_section_id: S(1, 3), p_read: true })
    expect(await n('select 1 from app.section_ticks where user_id = $1', [u])).toBe(1)
  })

  it('reading_progress counts follow ticks, retries and unticks, and are seen like ticks', async () => {
    const u = await member(ids.branchA)
    const me = as(db, u)
    const done = async () => (await db.query<{ done: number }>('select done from app.reading_progress where user_id = $1 and reading_id = $2', [u, R(1)])).rows[0]?.done ?? 0
    for (const s of [1, 2, 3, 2])
      await me.rpc('section_tick', { p_section_id: S(1, s), p_read: true })
    expect(await done()).toBe(3)
    await me.rpc('section_tick', { p_section_id: S(1, 2), p_read: false })
    await me.rpc('section_tick', { p_section_id: S(1, 2), p_read: false })
    expect(await done()).toBe(2)
    // every stored count equals the ticks it counts
    expect(await n(`select 1 from app.reading_progress rp
      where rp.done <> (select count(*) from app.section_ticks t join app.reading_sections s on s.id = t.section_id
                         where t.user_id = rp.user_id and s.reading_id = rp.reading_id)`)).toBe(0)
    const sql = `select 1 from app.reading_progress where user_id = '${u}'`
    expect(await seen(u, sql)).toBe(1)
    expect(await seen(ids.secretaryA, sql)).toBe(1)
    expect(await seen(ids.teacherA, sql)).toBe(0)
    expect(await seen(ids.secretaryB, sql)).toBe(0)
    await expect(as(db, u).exec(`update app.reading_progress set done = 99 where user_id = '${u}'`)).rejects.toThrow(/permission denied/)
  })

  it('a clock in the future is clamped to now', async () => {
    const u = await member(ids.branchA)
    const r = await as(db, u).rpc('section_tick', { p_section_id: S(1, 1), p_read: true, p_client_time: '2099-01-01T00:00:00Z' })
    expect(new Date(r.read_at).getTime()).toBeLessThanOrEqual(Date.now() + 1000)
  })

  it('refusals change nothing: no read flag, unknown section, a section of a reading I cannot see, anonymous', async () => {
    const me = as(db, ids.teacherB)
    await unchanged(() => me.rpc('section_tick', { p_section_id: S(1, 1), p_read: null }), 'readings.read_required')
    await unchanged(() => me.rpc('section_tick', { p_section_id: randomUUID(), p_read: true }), 'readings.section_not_found')
    await unchanged(() => me.rpc('section_tick', { p_section_id: null, p_read: true }), 'readings.section_not_found')
    const hidden = randomUUID()
    await db.exec(`insert into app.readings (id, org_id, title) values ('${hidden}', '${ids.branchA}', '一支部内部材料');
      insert into app.reading_sections (id, reading_id, position, title) values ('${hidden}', '${hidden}', 1, '第一节')`)
    await unchanged(() => me.rpc('section_tick', { p_section_id: hidden, p_read: true }), 'readings.section_not_found')
    await unchanged(() => as(db, null).rpc('section_tick', { p_section_id: S(1, 1), p_read: true }), 'permission denied for function section_tick')
  })
})

describe('notes', () => {
  it('save, edit, share; a retry changes nothing; a stale base says it overwrote a newer version', async () => {
    const u = await member(ids.branchA)
    const me = as(db, u)
    const id = randomUUID()
    const a = await me.rpc('note_save', { p_id: id, p_reading_id: R(2), p_body: '  第一稿  ' })
    expect(a).toMatchObject({ overwrote_newer: false, note: { id, body: '第一稿', visibility: 'private', version: 1, org_id: null } })
    const retry = await me.rpc('note_save', { p_id: id, p_reading_id: R(2), p_body: '第一稿' })
    expect(retry.note.version).toBe(1)
    // device 1 edits from version 1
    const b = await me.rpc('note_save', { p_id: id, p_reading_id: R(2), p_body: '手机上改的', p_base_version: 1 })
    expect(b).toMatchObject({ overwrote_newer: false, note: { version: 2 } })
    // device 2 still had version 1: its save wins and says so
    const c = await me.rpc('note_save', { p_id: id, p_reading_id: R(2), p_body: '平板上改的', p_base_version: 1 })
    expect(c).toMatchObject({ overwrote_newer: true, note: { version: 3, body: '平板上改的' } })
    // a note started offline on another device (another id) lands on the same note
    const d = await me.rpc('note_save', { p_id: randomUUID(), p_reading_id: R(2), p_body: '第三台设备', p_base_version: 0 })
    expect(d).toMatchObject({ overwrote_newer: true, note: { id, version: 4 } })
    expect(await n('select 1 from app.notes where user_id = $1', [u])).toBe(1)
    // shared with my branch by default
    const e = await me.rpc('note_save', { p_id: id, p_reading_id: R(2), p_body: '第三台设备', p_visibility: 'branch', p_base_version: 4 })
    expect(e.note).toMatchObject({ visibility: 'branch', org_id: ids.branchA, version: 5 })
    expect(await seen(ids.teacherA, `select 1 from app.notes where id = '${id}'`)).toBe(1)
    expect(await seen(ids.teacherB, `select 1 from app.notes where id = '${id}'`)).toBe(0)
  })

  it('refusals change nothing', async () => {
    const u = await member(ids.branchA)
    const me = as(db, u)
    const id = randomUUID()
    await unchanged(() => me.rpc('note_save', { p_id: null, p_reading_id: R(1), p_body: 'x' }), 'readings.id_required')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: '   ' }), 'readings.note_required')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: '字'.repeat(5001) }), 'readings.note_too_long')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: 'x', p_visibility: 'public' }), 'readings.visibility_invalid')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: 'x', p_visibility: 'branch', p_org_id: ids.branchB }), 'readings.share_org_invalid')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: 'x', p_org_id: ids.branchA }), 'readings.share_org_invalid')
    await unchanged(() => me.rpc('note_save', { p_id: id, p_reading_id: randomUUID(), p_body: 'x' }), 'readings.reading_not_found')
    // someone else's note id, even a private one I cannot see
    await unchanged(() => me.rpc('note_save', { p_id: privateNoteA, p_reading_id: R(3), p_body: 'x' }), 'readings.id_conflict')
    await unchanged(() => me.rpc('note_save', { p_id: sharedNoteA2, p_reading_id: R(1), p_body: 'x' }), 'readings.id_conflict')
    await unchanged(() => me.rpc('note_delete', { p_id: sharedNoteA2 }), 'readings.not_allowed')
    await unchanged(() => me.rpc('note_delete', { p_id: null }), 'readings.id_required')
    expect(await me.rpc('note_delete', { p_id: privateNoteA })).toEqual({ id: privateNoteA, deleted: false })
    expect(await n(`select 1 from app.notes where id = '${privateNoteA}'`)).toBe(1)
  })

  it('delete is idempotent', async () => {
    const u = await member(ids.branchA)
    const id = randomUUID()
    await as(db, u).rpc('note_save', { p_id: id, p_reading_id: R(1), p_body: '要删的' })
    expect(await as(db, u).rpc('note_delete', { p_id: id })).toEqual({ id, deleted: true })
    expect(await as(db, u).rpc('note_delete', { p_id: id })).toEqual({ id, deleted: false })
  })
})

describe('plan_progress', () => {
  it('the secretary sees members × readings for their branch, with shared (not private) notes', async () => {
    const p = await as(db, ids.secretaryA).rpc('plan_progress', { p_plan_id: countyPlan })
    expect(p.org.id).toBe(ids.branchA)
    expect(p.readings).toHaveLength(8)
    const names = p.members.map((m: any) => m.user_id)
    expect(names).toContain(ids.teacherA)
    expect(names).toContain(ids.teacherA2)
    expect(names).not.toContain(ids.teacherB)
    const a2 = p.members.find((m: any) => m.user_id === ids.teacherA2)
    expect(a2.cells[0]).toBe(4)
    expect(a2.cells[5]).toBe(1)
    expect(a2.cells).toHaveLength(8)
    expect(p.shared_notes.map((x: any) => x.id)).toContain(sharedNoteA2)
    expect(JSON.stringify(p)).not.toContain(privateNoteA)
  })

  it('the bureau admin sees the county plan for the whole county', async () => {
    const p = await as(db, ids.admin).rpc('plan_progress', { p_plan_id: countyPlan })
    expect(p.org.id).toBe(ids.bureau)
    const ids2 = p.members.map((m: any) => m.user_id)
    expect(ids2).toContain(ids.teacherB)
    expect(ids2).toContain(ids.teacherBgroup)
    const narrow = await as(db, ids.admin).rpc('plan_progress', { p_plan_id: countyPlan, p_org_id: ids.branchB })
    expect(narrow.members.map((m: any) => m.user_id)).not.toContain(ids.teacherA)
  })

  it('is refused to members, committee members, and secretaries of other branches', async () => {
    await expectError(as(db, ids.teacherA).rpc('plan_progress', { p_plan_id: countyPlan }), 'readings.not_allowed')
    await expectError(as(db, ids.principal).rpc('plan_progress', { p_plan_id: countyPlan }), 'readings.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('plan_progress', { p_plan_id: countyPlan, p_org_id: ids.branchB }), 'readings.not_allowed')
    await expectError(as(db, ids.secretaryB).rpc('plan_progress', { p_plan_id: branchAPlan }), 'readings.plan_not_found')
    await expectError(as(db, ids.admin).rpc('plan_progress', { p_plan_id: branchAPlan, p_org_id: ids.branchB }), 'readings.org_not_in_plan')
  })
})

describe('creating readings and plans', () => {
  // jsonb arguments go as JSON text, as PostgREST sends them (node-postgres would turn a JS array
  // into a Postgres array literal)
  const j = (v: unknown) => JSON.stringify(v)
  const sections = j([
    { title: '第一节', body_md: '正文 **重点**', est_minutes: 5 },
    { title: '第二节', where_to_read: '某书第二章' },
  ])

  it('a secretary adds a reading for their branch; a retry returns it; branch B never sees it', async () => {
    const id = randomUUID()
    const sec = as(db, ids.secretaryA)
    const r = await sec.rpc('reading_create', { p_id: id, p_org_id: ids.branchA, p_title: ' 支部学习材料 ', p_sections: sections })
    expect(r.reading).toMatchObject({ id, title: '支部学习材料', est_minutes: 5 })
    expect(r.sections.map((s: any) => [s.position, s.has_text])).toEqual([[1, true], [2, false]])
    await sec.rpc('reading_create', { p_id: id, p_org_id: ids.branchA, p_title: '支部学习材料', p_sections: sections })
    expect(await n('select 1 from app.readings where id = $1', [id])).toBe(1)
    expect(await n('select 1 from app.reading_sections where reading_id = $1', [id])).toBe(2)
    await expectError(as(db, ids.teacherB).rpc('reading_detail', { p_reading_id: id }), 'readings.reading_not_found')
    await expectError(as(db, ids.secretaryB).rpc('reading_create', { p_id: id, p_org_id: ids.branchB, p_title: 'x', p_sections: sections }), 'readings.id_conflict')
  })

  it('reading_create refusals change nothing', async () => {
    const sec = as(db, ids.secretaryA)
    const base = { p_id: randomUUID(), p_org_id: ids.branchA, p_title: '材料', p_sections: sections }
    await unchanged(() => sec.rpc('reading_create', { ...base, p_title: ' ' }), 'readings.title_required')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_title: '题'.repeat(121) }), 'readings.title_too_long')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_author: '作'.repeat(121) }), 'readings.author_too_long')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([]) }), 'readings.sections_required')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: { title: 'x' } }), 'readings.sections_required')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j(Array.from({ length: 101 }, (_, i) => ({ title: `${i}` }))) }), 'readings.too_many_sections')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([{ title: '' }]) }), 'readings.section_title_required')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([{ title: 1 }]) }), 'readings.section_invalid')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([{ title: 'a', est_minutes: 'ten' }]) }), 'readings.section_invalid')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([{ title: 'a', est_minutes: 0 }]) }), 'readings.minutes_invalid')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_sections: j([{ title: 'a' }, { title: 'b', body_md: 'x'.repeat(50001) }]) }), 'readings.body_too_long')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_org_id: ids.branchB }), 'readings.not_allowed')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_org_id: ids.bureau }), 'readings.not_allowed')
    await unchanged(() => as(db, ids.teacherA).rpc('reading_create', { ...base }), 'readings.not_allowed')
    await unchanged(() => sec.rpc('reading_create', { ...base, p_id: null }), 'readings.id_required')
  })

  it('a secretary assigns a plan to their branch; a retry returns it; it reaches the branch only', async () => {
    const id = randomUUID()
    const due = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10)
    const sec = as(db, ids.secretaryA)
    const p = await sec.rpc('plan_create', { p_id: id, p_org_id: ids.branchA, p_title: '十一月学习', p_due_on: due, p_reading_ids: [R(5), R(2)] })
    expect(p.plan).toMatchObject({ id, title: '十一月学习', due_on: due, can_manage: true })
    expect(p.readings.map((r: any) => r.id)).toEqual([R(5), R(2)])
    await sec.rpc('plan_create', { p_id: id, p_org_id: ids.branchA, p_title: '十一月学习', p_due_on: due, p_reading_ids: [R(5), R(2)] })
    expect(await n('select 1 from app.study_plans where id = $1', [id])).toBe(1)
    expect((await as(db, ids.teacherA).rpc('plan_list')).map((x: any) => x.id)).toContain(id)
    expect((await as(db, ids.teacherB).rpc('plan_list')).map((x: any) => x.id)).not.toContain(id)
  })

  it('a plan for two branches reaches both, not a sibling; each secretary follows their own branch', async () => {
    const id = randomUUID()
    const due = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10)
    const p = await as(db, ids.admin).rpc('plan_create', { p_id: id, p_org_ids: [ids.branchA, ids.branchB], p_title: '两个支部的计划', p_due_on: due, p_reading_ids: [R(1)] })
    expect(p.plan).toMatchObject({ id, org_id: ids.branchA, org_ids: [ids.branchA, ids.branchB], can_manage: true })
    expect(await n('select 1 from app.plan_orgs where plan_id = $1', [id])).toBe(2)
    for (const uid of [ids.teacherA, ids.teacherB, ids.teacherBgroup]) {
      const mine = (await as(db, uid).rpc('plan_list')).find((x: any) => x.id === id)
      expect(mine).toMatchObject({ assigned_to_me: true })
      expect(await seen(uid, `select 1 from app.plan_orgs where plan_id = '${id}'`)).toBe(2)
    }
    // branch A2 is "branch C": a sibling of A, not in the plan
    expect((await as(db, ids.teacherA2branch).rpc('plan_list')).map((x: any) => x.id)).not.toContain(id)
    expect(await seen(ids.teacherA2branch, `select 1 from app.plan_orgs where plan_id = '${id}'`)).toBe(0)
    await expectError(as(db, ids.teacherA2branch).rpc('plan_detail', { p_plan_id: id }), 'readings.plan_not_found')
    // each secretary sees the members of their own branch among the plan's
    const a = await as(db, ids.secretaryA).rpc('plan_progress', { p_plan_id: id })
    expect(a.org.id).toBe(ids.branchA)
    expect(a.orgs.map((o: any) => o.id)).toEqual([ids.branchA])
    expect(a.members.map((m: any) => m.user_id)).toContain(ids.teacherA)
    expect(a.members.map((m: any) => m.user_id)).not.toContain(ids.teacherB)
    const b = await as(db, ids.secretaryB).rpc('plan_progress', { p_plan_id: id })
    expect(b.org.id).toBe(ids.branchB)
    expect(b.members.map((m: any) => m.user_id)).toEqual(expect.arrayContaining([ids.teacherB, ids.teacherBgroup]))
    expect(b.members.map((m: any) => m.user_id)).not.toContain(ids.teacherA)
    // the bureau's admin may switch between the plan's organisations; A2 is not one of them
    const all = await as(db, ids.admin).rpc('plan_progress', { p_plan_id: id, p_org_id: ids.bureau })
    expect(all.members.map((m: any) => m.user_id)).toEqual(expect.arrayContaining([ids.teacherA, ids.teacherB]))
    expect(all.members.map((m: any) => m.user_id)).not.toContain(ids.teacherA2branch)
    expect(all.orgs.map((o: any) => o.id).sort()).toEqual([ids.branchA, ids.branchB].sort())
    await expectError(as(db, ids.admin).rpc('plan_progress', { p_plan_id: id, p_org_id: ids.branchA2 }), 'readings.org_not_in_plan')
    await expectError(as(db, ids.secretaryA).rpc('plan_progress', { p_plan_id: id, p_org_id: ids.branchB }), 'readings.not_allowed')
  })

  it('a school secretary assigns one plan to two of its branches', async () => {
    const sec = await member(ids.school1, 'secretary')
    const id = randomUUID()
    const due = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10)
    const p = await as(db, sec).rpc('plan_create', { p_id: id, p_org_ids: [ids.branchA2, ids.branchA, ids.branchA2], p_title: '两支部', p_due_on: due, p_reading_ids: [R(2)] })
    expect(p.plan.org_ids).toEqual([ids.branchA2, ids.branchA])
    expect((await as(db, ids.teacherA2branch).rpc('plan_list')).map((x: any) => x.id)).toContain(id)
    expect((await as(db, ids.teacherB).rpc('plan_list')).map((x: any) => x.id)).not.toContain(id)
    // a member cannot add an organisation to a plan behind plan_create's back
    await expect(as(db, ids.secretaryB).exec(`insert into app.plan_orgs (plan_id, org_id) values ('${id}', '${ids.branchB}')`)).rejects.toThrow(/row-level security/)
  })

  it('plan_create refusals change nothing', async () => {
    const sec = as(db, ids.secretaryA)
    const due = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10)
    const base = { p_id: randomUUID(), p_org_id: ids.branchA, p_title: '计划', p_due_on: due, p_reading_ids: [R(1)] }
    const branchOnly = randomUUID()
    await db.exec(`insert into app.readings (id, org_id, title) values ('${branchOnly}', '${ids.branchA2}', '二支部材料')`)
    await unchanged(() => sec.rpc('plan_create', { ...base, p_title: '' }), 'readings.title_required')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_description: '述'.repeat(2001) }), 'readings.description_too_long')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_due_on: null }), 'readings.due_required')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_due_on: '2020-01-01' }), 'readings.due_in_past')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_due_on: '2099-01-01' }), 'readings.due_too_far')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_reading_ids: [] }), 'readings.readings_required')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_reading_ids: [R(1), R(1)] }), 'readings.readings_duplicate')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_reading_ids: [randomUUID()] }), 'readings.reading_not_found')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_reading_ids: [branchOnly] }), 'readings.reading_not_found')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_org_id: ids.branchB }), 'readings.not_allowed')
    await unchanged(() => as(db, ids.teacherA).rpc('plan_create', base), 'readings.not_allowed')
    // every organisation must be one I manage: nothing is written for the others either
    await unchanged(() => sec.rpc('plan_create', { ...base, p_org_id: undefined, p_org_ids: [ids.branchA, ids.branchB] }), 'readings.not_allowed')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_org_ids: [ids.branchB] }), 'readings.not_allowed')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_org_id: undefined, p_org_ids: [ids.branchA, null] }), 'readings.not_allowed')
    await unchanged(() => sec.rpc('plan_create', { ...base, p_org_id: undefined, p_org_ids: [] }), 'readings.orgs_required')
    // a county plan may not hold a branch's reading: the rest of the county could not open it
    await unchanged(() => as(db, ids.admin).rpc('plan_create', { ...base, p_org_id: ids.bureau, p_reading_ids: [branchOnly] }), 'readings.reading_out_of_scope')
    // nor one of several organisations that could not open it
    await unchanged(() => as(db, ids.admin).rpc('plan_create', { ...base, p_org_id: undefined, p_org_ids: [ids.branchA2, ids.branchB], p_reading_ids: [branchOnly] }), 'readings.reading_out_of_scope')
  })
})

describe('home_readings', () => {
  const home = (uid: string) => as(db, uid).query<{ r: any }>('select app.home_readings() as r').then(r => r.rows[0]!.r)

  it('continue reading points at the next unticked section of the plan I ticked in last', async () => {
    const u = await member(ids.branchA)
    const before = await home(u)
    // nothing ticked yet: the plan due soonest, first section
    expect(before.continue_reading).toMatchObject({ reading_id: R(6), section_id: S(6, 1) })
    expect(before.due_plan).toMatchObject({ id: branchAPlan, done: 0 })
    await as(db, u).rpc('section_tick', { p_section_id: S(1, 1), p_read: true })
    const after = await home(u)
    // R(1) may sit in more than one plan that reaches me (the county plan, and one an earlier test
    // made for two branches): the tick counts for each, and the one due soonest wins, every time
    const holding = await db.query<{ id: string }>(
      `select p.id from app.study_plans p join app.plan_readings pr on pr.plan_id = p.id
        where pr.reading_id = $1 and exists (select 1 from app.plan_orgs po where po.plan_id = p.id and po.org_id in ($2, $3))
        order by p.due_on, p.title, p.id`,
      [R(1), ids.branchA, ids.bureau],
    )
    expect(holding.rows.map(r => r.id)).toContain(countyPlan)
    expect(after.continue_reading).toEqual({ plan_id: holding.rows[0]!.id, reading_id: R(1), section_id: S(1, 2), reading_title: '2012年党建工作要点', section_title: '一、强化理论武装，开创凝心聚力共谋教育发展新局面' })
    expect((await home(u)).continue_reading).toEqual(after.continue_reading)
  })

  it('nothing to show for someone without a plan', async () => {
    const u = await createUser(db)
    expect(await home(u)).toEqual({ continue_reading: null, due_plan: null })
  })
})
