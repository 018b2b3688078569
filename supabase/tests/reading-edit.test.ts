import type { Db } from '../local/db'
// Correcting a reading: sections edited, reordered, added and removed keep their ids, so ticks
// stay on them; a removed section's ticks move to history and stop counting (progress, home,
// reports); only a manager of the reading's organisation may edit; every change audited once.
// Also: plan edits that move the due date remind as the inbox does, archived plans leave the
// member's lists and home, and a member joining tells the organisation's secretaries, once.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, count, createUser, expectError, freshDb, ids } from './db'

let db: Db
const reading = randomUUID()
const plan = randomUUID()
const sec: string[] = [randomUUID(), randomUUID(), randomUUID()]
const due = (days: number) => new Date(Date.now() + days * 86400_000 + 8 * 3600_000).toISOString().slice(0, 10)
const section = (id: string, title: string, body: string | null = null) => ({ id, title, body_md: body, where_to_read: '', est_minutes: null })

beforeAll(async () => {
  db = await freshDb()
  await call(ids.secretaryA, 'reading_create', {
    p_id: reading,
    p_org_id: ids.branchA,
    p_title: '支部读物',
    p_sections: [{ title: '第一节' }, { title: '第二节' }, { title: '第三节' }],
  })
  // the sections reading_create made, in order: give the test names to their real ids
  const { rows } = await db.query<{ id: string }>('select id from app.reading_sections where reading_id = $1 order by position', [reading])
  rows.forEach((r, i) => (sec[i] = r.id))
  await as(db, ids.secretaryA).rpc('plan_create', { p_id: plan, p_title: '支部计划', p_due_on: due(20), p_reading_ids: [reading], p_org_ids: [ids.branchA] })
  // the teacher read sections 1 and 3
  for (const s of [sec[0], sec[2]])
    await as(db, ids.teacherA).rpc('section_tick', { p_section_id: s, p_read: true })
})
afterAll(async () => {
  await db?.close()
})

// jsonb arguments go as JSON text, as PostgREST sends them
function call(user: string, fn: string, args: Record<string, unknown>) {
  return as(db, user).rpc(fn, { ...args, p_sections: JSON.stringify(args.p_sections) })
}
const teacherPlan = async () => (await as(db, ids.teacherA).rpc('plan_list')).find((p: any) => p.id === plan)
async function ticks(user: string) {
  return (await db.query<{ section_id: string, read_at: Date }>(
    'select section_id, read_at from app.section_ticks where user_id = $1 and section_id = any ($2) order by read_at',
    [user, sec],
  )).rows
}
const audits = () => count(db, `select 1 from app.audit_log where action = 'reading.update' and subject_id = $1`, [reading])

describe('reading_update', () => {
  it('edits a section and reorders them in place: same ids, ticks kept with their first times', async () => {
    const before = await ticks(ids.teacherA)
    expect(before).toHaveLength(2)
    expect((await teacherPlan())).toMatchObject({ done: 2, total: 3 })
    const out = await call(ids.secretaryA, 'reading_update', {
      p_reading_id: reading,
      p_title: '支部读物（修订）',
      p_sections: [section(sec[2], '第三节（改）', '第三节的正文'), section(sec[0], '第一节'), section(sec[1], '第二节')],
    })
    expect(out.sections.map((s: any) => s.id)).toEqual([sec[2], sec[0], sec[1]])
    expect(out.sections.map((s: any) => s.position)).toEqual([1, 2, 3])
    expect(out.sections[0]).toMatchObject({ title: '第三节（改）', body_md: '第三节的正文', readers: 1 })
    expect(await ticks(ids.teacherA)).toEqual(before)
    expect(await teacherPlan()).toMatchObject({ done: 2, total: 3 })
    // the member's reader shows the current sections, in the new order, ticks on them
    const detail = await as(db, ids.teacherA).rpc('reading_detail', { p_reading_id: reading })
    expect(detail.reading.title).toBe('支部读物（修订）')
    expect(detail.sections.map((s: any) => [s.id, s.title, s.read_at !== null])).toEqual([[sec[2], '第三节（改）', true], [sec[0], '第一节', true], [sec[1], '第二节', false]])
    expect(await audits()).toBe(1)
    const { rows } = await db.query<{ detail: any, actor_id: string }>(`select detail, actor_id from app.audit_log where action = 'reading.update' and subject_id = $1`, [reading])
    expect(rows[0].actor_id).toBe(ids.secretaryA)
    expect(rows[0].detail).toMatchObject({ before: { title: '支部读物' }, after: { title: '支部读物（修订）' }, edited: [sec[2]], reordered: true, added: [], removed: [] })
  })

  it('saving the same again (a retry) changes nothing and audits nothing', async () => {
    await call(ids.secretaryA, 'reading_update', {
      p_reading_id: reading,
      p_title: '支部读物（修订）',
      p_sections: [section(sec[2], '第三节（改）', '第三节的正文'), section(sec[0], '第一节'), section(sec[1], '第二节')],
    })
    expect(await audits()).toBe(1)
  })

  it('removes a read section: its ticks leave progress, home and reports and stay in history', async () => {
    const added = randomUUID()
    const homeBefore = (await as(db, ids.teacherA).rpc('home_summary'))
    const p = { p_reading_id: reading, p_title: '支部读物（修订）', p_sections: [section(sec[0], '第一节'), section(added, '新增一节'), section(sec[1], '第二节')] }
    await call(ids.secretaryA, 'reading_update', p)
    await call(ids.secretaryA, 'reading_update', p) // a retry adds no second section
    expect(await count(db, 'select 1 from app.reading_sections where reading_id = $1', [reading])).toBe(3)
    expect(await teacherPlan()).toMatchObject({ done: 1, total: 3 })
    const detail = await as(db, ids.secretaryA).rpc('plan_detail', { p_plan_id: plan })
    expect(detail.readings[0]).toMatchObject({ total: 3 })
    expect((await as(db, ids.teacherA).rpc('plan_detail', { p_plan_id: plan })).readings[0]).toMatchObject({ done: 1, total: 3 })
    // the counter the progress view reads
    const { rows: rp } = await db.query<{ done: number }>('select done from app.reading_progress where user_id = $1 and reading_id = $2', [ids.teacherA, reading])
    expect(rp[0].done).toBe(1)
    const progress = await as(db, ids.secretaryA).rpc('plan_progress', { p_plan_id: plan })
    expect(progress.total).toBe(3)
    expect(progress.members.find((m: any) => m.user_id === ids.teacherA).done).toBe(1)
    // history: the section as it was and the teacher's tick on it
    const { rows: hist } = await db.query<{ title: string, removed_by: string, read_at: Date }>(
      `select s.title, s.removed_by, t.read_at from app.removed_sections s join app.removed_section_ticks t on t.section_id = s.id
        where s.id = $1 and t.user_id = $2`,
      [sec[2], ids.teacherA],
    )
    expect(hist).toEqual([expect.objectContaining({ title: '第三节（改）', removed_by: ids.secretaryA })])
    expect((await as(db, ids.teacherA).query('select 1 from app.removed_section_ticks where section_id = $1', [sec[2]])).rows).toHaveLength(1)
    expect((await as(db, ids.teacherB).query('select 1 from app.removed_section_ticks where section_id = $1', [sec[2]])).rows).toHaveLength(0)
    // ticking it again is refused as a section that is gone; the member's reader no longer has it
    await expectError(as(db, ids.teacherA).rpc('section_tick', { p_section_id: sec[2], p_read: true }), 'readings.section_not_found')
    expect((await as(db, ids.teacherA).rpc('reading_detail', { p_reading_id: reading })).sections.map((s: any) => s.id)).toEqual([sec[0], added, sec[1]])
    // home's due plan counts the current sections
    const home = await as(db, ids.teacherA).rpc('home_summary')
    const duePlan = (h: any) => JSON.stringify(h).includes(plan)
    expect(duePlan(homeBefore)).toBe(duePlan(home))
    // the branch report counts the sections that are there
    const report = await as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchA, p_from: due(-30), p_to: due(30) })
    expect(JSON.stringify(report)).toContain(plan)
    expect(JSON.stringify(report)).toMatch(new RegExp(`"id": ?"${plan}"[^}]*"sections": ?3`))
    // a removed id does not come back as a new section
    await expectError(call(ids.secretaryA, 'reading_update', { ...p, p_sections: [...p.p_sections, section(sec[2], '回来')] }), 'readings.section_removed')
    const { rows: a } = await db.query<{ detail: any }>(`select detail from app.audit_log where action = 'reading.update' and subject_id = $1 order by id desc limit 1`, [reading])
    expect(a[0].detail).toMatchObject({ added: [added], removed: [sec[2]] })
    expect(await audits()).toBe(2)
  })

  it('refuses other branches, members, bad input and direct writes, changing nothing', async () => {
    const base = { p_reading_id: reading, p_title: '别人改', p_sections: [section(sec[0], '第一节')] }
    await expectError(call(ids.secretaryB, 'reading_update', base), 'readings.reading_not_found')
    await expectError(call(ids.teacherA, 'reading_update', base), 'readings.not_allowed')
    await expectError(as(db, ids.teacherA).rpc('reading_edit_data', { p_reading_id: reading }), 'readings.not_allowed')
    // a county-wide reading is the bureau's to change
    const { rows } = await db.query<{ id: string }>('select id from app.readings where org_id = $1 limit 1', [ids.bureau])
    await expectError(call(ids.secretaryA, 'reading_update', { ...base, p_reading_id: rows[0].id }), 'readings.not_allowed')
    const mine = { p_reading_id: reading, p_title: '支部读物（修订）' }
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [] }), 'readings.sections_required')
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [{ title: '没有 id' }] }), 'readings.section_invalid')
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [section(sec[0], '一'), section(sec[0], '二')] }), 'readings.section_duplicate')
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [section(sec[0], ' ')] }), 'readings.section_title_required')
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [{ ...section(sec[0], '一'), est_minutes: 0 } as any] }), 'readings.minutes_invalid')
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_title: '', p_sections: [section(sec[0], '一')] }), 'readings.title_required')
    // another reading's section id is not mine to take
    const { rows: other } = await db.query<{ id: string }>('select id from app.reading_sections where reading_id <> $1 limit 1', [reading])
    await expectError(call(ids.secretaryA, 'reading_update', { ...mine, p_sections: [section(other[0].id, '偷')] }), 'readings.id_conflict')
    await expect(as(db, ids.secretaryA).query(`update app.reading_sections set title = 'x' where id = '${sec[0]}'`)).rejects.toThrow(/permission denied/)
    await expect(as(db, ids.teacherA).query(`select app.reading_apply('${reading}', 'x', '', '', null)`)).rejects.toThrow(/readings\.not_allowed/)
    expect(await count(db, 'select 1 from app.reading_sections where reading_id = $1', [reading])).toBe(3)
    expect(await audits()).toBe(2)
  })

  it('the bureau admin may edit any reading', async () => {
    const out = await as(db, ids.admin).rpc('reading_edit_data', { p_reading_id: reading })
    expect(out.reading.org_name).toBeTruthy()
    expect(out.removed).toBe(1)
  })
})

describe('plan edits and the inbox', () => {
  const planDue = () => db.query<{ user_id: string, params: any }>(`select user_id, params from app.inbox_items where kind = 'plan_due' and dedupe_key like 'plan_due:' || $1 || ':%'`, [plan])

  it('moving the due date to within three days reminds the members (new date), once', async () => {
    await as(db, ids.secretaryA).rpc('plan_update', { p_plan_id: plan, p_title: '支部计划', p_due_on: due(2), p_reading_ids: [reading] })
    for (const u of [ids.teacherA, ids.teacherA])
      await as(db, u).rpc('inbox_unread')
    const items = (await planDue()).rows.filter(i => i.user_id === ids.teacherA)
    expect(items).toHaveLength(1)
    expect(items[0].params.due_on).toBe(due(2))
  })

  it('an archived plan leaves the member\'s list, home and reminders, stays in the branch report', async () => {
    await as(db, ids.secretaryA).rpc('plan_archive', { p_plan_id: plan })
    expect(await teacherPlan()).toBeUndefined()
    expect(JSON.stringify(await as(db, ids.teacherA).rpc('home_summary'))).not.toContain(plan)
    await as(db, ids.teacherA2).rpc('inbox_unread')
    expect((await planDue()).rows.filter(i => i.user_id === ids.teacherA2)).toHaveLength(0)
    const report = await as(db, ids.secretaryA).rpc('report_org', { p_org_id: ids.branchA, p_from: due(-30), p_to: due(30) })
    expect(JSON.stringify(report)).toContain(plan)
    const edit = await as(db, ids.secretaryA).rpc('plan_edit_data', { p_plan_id: plan })
    expect(edit.plan.archived_at).toBeTruthy()
    await expectError(as(db, ids.secretaryB).rpc('plan_edit_data', { p_plan_id: plan }), 'readings.plan_not_found')
    await expectError(as(db, ids.teacherA).rpc('plan_edit_data', { p_plan_id: plan }), 'readings.plan_not_found')
    await as(db, ids.secretaryA).rpc('plan_archive', { p_plan_id: plan, p_archived: false })
  })
})

describe('a member joins', () => {
  const joined = (membership?: string) => db.query<{ user_id: string, params: any, link: string }>(
    `select user_id, params, link from app.inbox_items where kind = 'member_joined' and ($1::text is null or dedupe_key = 'member_joined:' || $1)`,
    [membership ?? null],
  )

  it('tells the organisation\'s secretaries once, nobody else, not the member', async () => {
    const before = (await joined()).rows.length
    const u = await createUser(db, { name: '新老师' })
    await as(db, u).rpc('invite_redeem', { p_code: 'DEMO2026' })
    await as(db, u).rpc('invite_redeem', { p_code: 'DEMO2026' }) // a retry
    const { rows: m } = await db.query<{ id: string }>('select id from app.memberships where user_id = $1', [u])
    const items = (await joined(m[0].id)).rows
    expect(items.map(i => i.user_id)).toEqual([ids.secretaryA])
    expect(items[0]).toMatchObject({ link: '/admin/roster', params: { member: '新老师', org_id: ids.branchA } })
    expect((await joined()).rows.length).toBe(before + 1)
    // as the secretary reads it
    const list = await as(db, ids.secretaryA).rpc('inbox_list')
    expect(JSON.stringify(list)).toContain('新老师')
  })

  it('respects the secretary\'s switch', async () => {
    await as(db, ids.secretaryA).rpc('inbox_set_kind', { p_kind: 'member_joined', p_on: false })
    const u = await createUser(db, { name: '又一位' })
    await as(db, u).rpc('invite_redeem', { p_code: 'DEMO2026' })
    const { rows: m } = await db.query<{ id: string }>('select id from app.memberships where user_id = $1', [u])
    expect((await joined(m[0].id)).rows).toHaveLength(0)
    await as(db, ids.secretaryA).rpc('inbox_set_kind', { p_kind: 'member_joined', p_on: true })
  })

  it('seeded memberships told nobody', async () => {
    expect(await count(db, `select 1 from app.inbox_items where kind = 'member_joined' and params ->> 'member' in (select display_name from app.profiles where user_id = $1)`, [ids.teacherA])).toBe(0)
  })
})
