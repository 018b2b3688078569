import type { Db } from '../local/db'
// Correcting a study plan: title, due date, readings added/removed/reordered, archive; ticks
// stay with their sections; every change audited; only those who manage all its organisations.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, count, expectError, freshDb, ids } from './db'

let db: Db
let readings: string[]
let plan: string
const due = (days: number) => new Date(Date.now() + days * 86400_000 + 8 * 3600_000).toISOString().slice(0, 10)

beforeAll(async () => {
  db = await freshDb()
  const { rows } = await db.query<{ id: string }>(
    `select r.id from app.readings r where r.org_id = $1 and exists (select 1 from app.reading_sections s where s.reading_id = r.id)
      order by r.title limit 3`,
    [ids.bureau],
  )
  readings = rows.map(r => r.id)
  plan = randomUUID()
  await as(db, ids.secretaryA).rpc('plan_create', { p_id: plan, p_title: '原计划', p_due_on: due(20), p_reading_ids: readings.slice(0, 2), p_org_ids: [ids.branchA] })
  // the teacher has read the first reading's sections
  await db.query(`insert into app.section_ticks (user_id, section_id) select $1, id from app.reading_sections where reading_id = $2 on conflict do nothing`, [ids.teacherA, readings[0]])
})
afterAll(async () => {
  await db?.close()
})

async function progress() {
  const list = await as(db, ids.teacherA).rpc('plan_list')
  return list.find((p: any) => p.id === plan)
}
const audits = (action: string) => count(db, `select 1 from app.audit_log where action = $1 and subject_id = $2`, [action, plan])

describe('plan_update', () => {
  it('renames, moves the due date, adds, removes and reorders readings; ticks stay; audited once per change', async () => {
    const before = await progress()
    expect(before.done).toBeGreaterThan(0)
    await as(db, ids.secretaryA).rpc('plan_update', {
      p_plan_id: plan,
      p_title: '修改后的计划',
      p_due_on: due(30),
      p_reading_ids: [readings[2], readings[0]],
    })
    const { rows } = await db.query<{ reading_id: string }>('select reading_id from app.plan_readings where plan_id = $1 order by position', [plan])
    expect(rows.map(x => x.reading_id)).toEqual([readings[2], readings[0]])
    const after = await progress()
    expect(after.done).toBe(before.done) // the ticks of reading 0 count still
    expect(after.due_on).toBe(due(30))
    expect(after.title).toBe('修改后的计划')
    expect(await audits('plan.update')).toBe(1)
    // the same again: nothing changes, nothing audited
    await as(db, ids.secretaryA).rpc('plan_update', { p_plan_id: plan, p_title: '修改后的计划', p_due_on: due(30), p_reading_ids: [readings[2], readings[0]] })
    expect(await audits('plan.update')).toBe(1)
    // reading 0 out and back in: the same progress
    await as(db, ids.secretaryA).rpc('plan_update', { p_plan_id: plan, p_title: '修改后的计划', p_due_on: due(30), p_reading_ids: [readings[2]] })
    await as(db, ids.secretaryA).rpc('plan_update', { p_plan_id: plan, p_title: '修改后的计划', p_due_on: due(30), p_reading_ids: [readings[0], readings[2]] })
    expect((await progress()).done).toBe(before.done)
    expect(await audits('plan.update')).toBe(3)
  })

  it('refuses bad input and other people, changing nothing', async () => {
    const base = { p_plan_id: plan, p_title: '别人改', p_due_on: due(30), p_reading_ids: [readings[0]] }
    await expectError(as(db, ids.teacherA).rpc('plan_update', base), 'readings.not_allowed')
    await expectError(as(db, ids.secretaryB).rpc('plan_update', base), 'readings.plan_not_found')
    await expectError(as(db, ids.secretaryA).rpc('plan_update', { ...base, p_reading_ids: [] }), 'readings.readings_required')
    await expectError(as(db, ids.secretaryA).rpc('plan_update', { ...base, p_reading_ids: [readings[0], readings[0]] }), 'readings.readings_duplicate')
    await expectError(as(db, ids.secretaryA).rpc('plan_update', { ...base, p_due_on: due(-3) }), 'readings.due_in_past')
    await expectError(as(db, ids.secretaryA).rpc('plan_update', { ...base, p_title: ' ' }), 'readings.title_required')
    await expect(as(db, ids.teacherA).query(`select app.plan_apply('${plan}', 'x', '', current_date + 5, null, null)`)).rejects.toThrow(/readings\.not_allowed/)
    await expect(as(db, ids.secretaryA).query(`update app.study_plans set title = 'x' where id = '${plan}'`)).rejects.toThrow(/permission denied/)
    expect((await progress()).title).toBe('修改后的计划')
  })
})

describe('plan_archive', () => {
  it('hides the plan from members, not from its secretary; undoable; audited', async () => {
    await as(db, ids.secretaryA).rpc('plan_archive', { p_plan_id: plan })
    await as(db, ids.secretaryA).rpc('plan_archive', { p_plan_id: plan })
    expect(await progress()).toBeUndefined()
    expect((await as(db, ids.secretaryA).rpc('plan_list')).some((p: any) => p.id === plan)).toBe(true)
    expect(await audits('plan.archive')).toBe(1)
    await expectError(as(db, ids.teacherA).rpc('plan_archive', { p_plan_id: plan, p_archived: false }), 'readings.plan_not_found')
    await as(db, ids.secretaryA).rpc('plan_archive', { p_plan_id: plan, p_archived: false })
    expect(await progress()).toBeTruthy()
    expect(await audits('plan.unarchive')).toBe(1)
  })
})
