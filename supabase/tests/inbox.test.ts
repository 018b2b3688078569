import type { Db } from '../local/db'
// Inbox: each event makes exactly one item for exactly the members it concerns, switches are
// respected, nobody reads another's inbox, and reminders appear at the right moment (the
// clock is moved through app.inbox_refresh's p_now, never slept on).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

interface Item { user_id: string, kind: string, link: string, params: any, created_at: Date }

/** Items about one subject (its id appears in the dedupe key), by kind. */
async function itemsAbout(subject: string, kind?: string): Promise<Item[]> {
  const { rows } = await db.query<Item>(
    `select user_id::text, kind, link, params, created_at from app.inbox_items
      where dedupe_key like '%' || $1 || '%' and ($2::text is null or kind = $2) order by user_id`,
    [subject, kind ?? null],
  )
  return rows
}
const users = (items: Item[]) => items.map(i => i.user_id).sort()
const branchA = [ids.teacherA, ids.teacherA2].sort() // secretary A is the actor in these tests

async function saveSession(id: string, startsAt: Date, place = '党员活动室', invitees: string[] = []) {
  return as(db, ids.secretaryA).rpc('session_save', {
    p_id: id,
    p_org_id: ids.branchA,
    p_kind: 'general_meeting',
    p_title: '支部党员大会',
    p_starts_at: startsAt.toISOString(),
    p_duration_minutes: 60,
    p_place: place,
    p_expected_org_ids: [ids.branchA],
    p_invitee_ids: invitees,
  })
}
const inHours = (h: number) => new Date(Date.now() + h * 3600_000)

describe('sessions', () => {
  const s = randomUUID()
  const start = inHours(72)
  it('scheduling tells each expected member once, not the secretary who did it, not other branches', async () => {
    await saveSession(s, start)
    const items = await itemsAbout(s, 'session_scheduled')
    expect(users(items)).toEqual(branchA)
    expect(items[0].link).toBe(`/sessions/${s}`)
    expect(items[0].params).toMatchObject({ title: '支部党员大会', place: '党员活动室' })
    // saving again unchanged adds nothing
    await saveSession(s, start)
    expect(await itemsAbout(s)).toHaveLength(2)
  })

  it('moving it tells them once per move; a member added by the move hears it once', async () => {
    const { rows } = await db.query<{ starts_at: Date }>('select starts_at from app.sessions where id = $1', [s])
    const later = new Date(rows[0].starts_at.getTime() + 3600_000)
    await saveSession(s, later, '三楼会议室', [ids.principal])
    const moved = await itemsAbout(s, 'session_moved')
    expect(users(moved)).toEqual([...branchA, ids.principal].sort())
    expect(moved[0].params.place).toBe('三楼会议室')
    // the newly invited principal: moved, not also scheduled
    expect(users(await itemsAbout(s, 'session_scheduled'))).toEqual(branchA)
    await saveSession(s, later, '三楼会议室', [ids.principal])
    expect(await itemsAbout(s, 'session_moved')).toHaveLength(3)
  })

  it('cancelling tells everyone expected once', async () => {
    await as(db, ids.secretaryA).rpc('session_cancel', { p_session_id: s })
    await as(db, ids.secretaryA).rpc('session_cancel', { p_session_id: s })
    expect(users(await itemsAbout(s, 'session_cancelled'))).toEqual([...branchA, ids.principal].sort())
  })

  it('nobody in branch B hears about branch A', async () => {
    const { rows } = await db.query(`select 1 from app.inbox_items where user_id in ($1, $2, $3) and link like $4`, [ids.teacherB, ids.secretaryB, ids.teacherBgroup, `%${s}%`])
    expect(rows).toHaveLength(0)
  })
})

describe('leave', () => {
  it('a request waits with the organiser and the branch secretaries; the decision goes to the member only', async () => {
    const s = randomUUID()
    await saveSession(s, inHours(30))
    const leave = randomUUID()
    await as(db, ids.teacherA).rpc('leave_request', { p_id: leave, p_session_id: s, p_reason: '出差' })
    const waiting = await itemsAbout(leave, 'leave_waiting')
    expect(users(waiting)).toEqual([ids.secretaryA])
    expect(waiting[0].link).toBe(`/sessions/${s}/sheet`)
    await as(db, ids.secretaryA).rpc('leave_decide', { p_leave_id: leave, p_approve: true })
    expect(users(await itemsAbout(leave, 'leave_approved'))).toEqual([ids.teacherA])
    expect(await itemsAbout(leave, 'leave_declined')).toHaveLength(0)

    const leave2 = randomUUID()
    await as(db, ids.teacherA2).rpc('leave_request', { p_id: leave2, p_session_id: s, p_reason: '生病' })
    await as(db, ids.secretaryA).rpc('leave_decide', { p_leave_id: leave2, p_approve: false })
    expect(users(await itemsAbout(leave2, 'leave_declined'))).toEqual([ids.teacherA2])
  })
})

describe('plans, topics, roster', () => {
  it('a plan assigned to branch A reaches its members once each (not the secretary who made it, not branch A2 or B)', async () => {
    const { rows } = await db.query<{ id: string }>(`select id from app.readings where org_id = $1 limit 1`, [ids.bureau])
    const plan = randomUUID()
    const due = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10)
    await as(db, ids.secretaryA).rpc('plan_create', {
      p_id: plan,
      p_title: '十二月学习计划',
      p_due_on: due,
      p_reading_ids: [rows[0].id],
      p_org_ids: [ids.branchA],
    })
    const items = await itemsAbout(plan, 'plan_assigned')
    expect(users(items)).toEqual(branchA)
    expect(items[0].link).toBe(`/readings/plans/${plan}`)
  })

  it('a reply quoting a post tells its author, not when quoting oneself; closing tells those who posted', async () => {
    const topic = randomUUID()
    await as(db, ids.secretaryA).rpc('topic_save', {
      p_id: topic,
      p_org_id: ids.branchA,
      p_title: '如何提高课堂效率',
      p_prompt: '请谈谈',
      p_deadline: null,
    })
    await as(db, ids.secretaryA).rpc('topic_set_status', { p_topic_id: topic, p_status: 'open' })
    const p1 = randomUUID()
    const p2 = randomUUID()
    const p3 = randomUUID()
    await as(db, ids.teacherA).rpc('topic_post_create', { p_id: p1, p_topic_id: topic, p_body: '多提问' })
    await as(db, ids.teacherA2).rpc('topic_post_create', { p_id: p2, p_topic_id: topic, p_body: '同意', p_quote_post_id: p1 })
    await as(db, ids.teacherA).rpc('topic_post_create', { p_id: p3, p_topic_id: topic, p_body: '补充', p_quote_post_id: p1 })
    expect(users(await itemsAbout(p2, 'post_quoted'))).toEqual([ids.teacherA])
    expect(await itemsAbout(p3, 'post_quoted')).toHaveLength(0)

    await as(db, ids.secretaryA).rpc('topic_write_summary', { p_topic_id: topic, p_id: randomUUID(), p_body: '成果：多提问' })
    await as(db, ids.secretaryA).rpc('topic_set_status', { p_topic_id: topic, p_status: 'closed' })
    const closed = await itemsAbout(topic, 'topic_closed')
    expect(users(closed)).toEqual(branchA)
    expect(closed[0].params.has_summary).toBe(true)
  })

  it('a roster import tells the importer and the branch\'s secretaries', async () => {
    const imp = randomUUID()
    await as(db, ids.secretaryA).rpc('roster_import', {
      p_id: imp,
      p_org_id: ids.branchA,
      p_rows: JSON.stringify([{ name: '新老师', phone: '13900001111' }]),
    })
    const items = await itemsAbout(imp, 'roster_imported')
    expect(users(items)).toEqual([ids.secretaryA])
    expect(items[0].params.rows).toBe(1)
  })
})

describe('switches and RLS', () => {
  it('a kind turned off makes no items for that member only', async () => {
    await as(db, ids.teacherA).rpc('inbox_set_kind', { p_kind: 'session_scheduled', p_on: false })
    expect((await as(db, ids.teacherA).rpc('inbox_settings')).session_scheduled).toBe(false)
    const s = randomUUID()
    await saveSession(s, inHours(50))
    expect(users(await itemsAbout(s, 'session_scheduled'))).toEqual([ids.teacherA2])
    await as(db, ids.teacherA).rpc('inbox_set_kind', { p_kind: 'session_scheduled', p_on: true })
    await expectError(as(db, ids.teacherA).rpc('inbox_set_kind', { p_kind: 'nope', p_on: false }), 'inbox.kind_invalid')
  })

  it('nobody reads or marks another\'s items; read one, read all', async () => {
    const mine = await as(db, ids.teacherA).rpc('inbox_list')
    expect(mine.items.length).toBeGreaterThan(0)
    expect((await as(db, ids.teacherA).query('select distinct user_id::text from app.inbox_items')).rows)
      .toEqual([{ user_id: ids.teacherA }])
    const other = mine.items[0].id
    expect((await as(db, ids.teacherA2).query(`update app.inbox_items set read_at = now() where id = '${other}' returning id`)).rows).toHaveLength(0)
    await expectError(as(db, ids.teacherA2).rpc('inbox_mark_read', { p_id: other }), 'inbox.not_found')
    await expect(as(db, ids.teacherA2).query(`select app.inbox_refresh('${ids.teacherA}', now())`)).rejects.toThrow(/inbox\.forbidden/)
    await expect(as(db, null).query('select * from app.inbox_items')).rejects.toThrow(/permission denied/)
    await expect(as(db, ids.teacherA).query(`insert into app.inbox_items (user_id, kind, dedupe_key, link) values ('${ids.teacherA}', 'plan_due', 'x', '/')`))
      .rejects
      .toThrow(/permission denied/)

    const before = mine.unread
    const one = await as(db, ids.teacherA).rpc('inbox_mark_read', { p_id: other })
    expect(one.unread).toBe(before - 1)
    const all = await as(db, ids.teacherA).rpc('inbox_mark_read', {})
    expect(all.unread).toBe(0)
    const theirs = (await as(db, ids.teacherA2).rpc('inbox_unread')).unread
    expect(theirs).toBeGreaterThan(0)
    // the member's private channel heard their own count, though the secretary caused the event
    const { rows } = await db.query<{ payload: any }>(
      `select payload from realtime.messages where topic = $1 and event = 'inbox'
        order by inserted_at desc, (payload ->> 'unread')::int desc limit 1`,
      [`user:${ids.teacherA2}`],
    )
    expect(rows[0].payload.unread).toBe(theirs)
  })

  it('items are grouped by day in Asia/Shanghai and dropped after a year', async () => {
    await db.query(`insert into app.inbox_items (user_id, kind, dedupe_key, link, created_at)
      values ($1, 'plan_due', 'old-one', '/', now() - interval '366 days'),
             ($1, 'plan_due', 'late-evening', '/', '2026-11-30T17:30:00Z')`, [ids.teacherA2])
    const list = await as(db, ids.teacherA2).rpc('inbox_list', { p_limit: 100 })
    expect(list.items.find((i: any) => i.day === '2026-12-01')).toBeTruthy() // 01:30 in Shanghai
    expect((await db.query(`select 1 from app.inbox_items where dedupe_key = 'old-one'`)).rows).toHaveLength(0)
  })
})

describe('reminders, with the clock moved', () => {
  const refresh = (user: string, at: Date) => db.query('select app.inbox_refresh($1, $2)', [user, at.toISOString()])

  it('a session: "tomorrow" from 24 h before, "in an hour" from 1 h before, each once; none for branch B', async () => {
    const s = randomUUID()
    const start = inHours(48)
    await saveSession(s, start)
    const at = (h: number) => new Date(start.getTime() - h * 3600_000)
    await refresh(ids.teacherA, at(25))
    expect(await itemsAbout(s, 'session_tomorrow')).toHaveLength(0)
    await refresh(ids.teacherA, at(23))
    await refresh(ids.teacherA, at(22))
    const tomorrow = await itemsAbout(s, 'session_tomorrow')
    expect(users(tomorrow)).toEqual([ids.teacherA])
    expect(tomorrow[0].created_at.getTime()).toBe(at(24).getTime())
    expect(await itemsAbout(s, 'session_soon')).toHaveLength(0)
    await refresh(ids.teacherA, at(0.5))
    await refresh(ids.teacherA, at(0.2))
    expect(users(await itemsAbout(s, 'session_soon'))).toEqual([ids.teacherA])
    await refresh(ids.teacherB, at(0.5))
    expect(users(await itemsAbout(s, 'session_soon'))).toEqual([ids.teacherA])
    // approved leave: no reminder
    const leave = randomUUID()
    await as(db, ids.teacherA2).rpc('leave_request', { p_id: leave, p_session_id: s, p_reason: '出差' })
    await as(db, ids.secretaryA).rpc('leave_decide', { p_leave_id: leave, p_approve: true })
    await refresh(ids.teacherA2, at(0.5))
    expect(await itemsAbout(s, 'session_soon')).toHaveLength(1)
  })

  it('a missed session becomes a 补学 item once check-in has closed, not for those present', async () => {
    const s = randomUUID()
    const start = inHours(5)
    await saveSession(s, start)
    await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'present', 'code')`, [randomUUID(), s, ids.teacherA2])
    const closes = new Date(start.getTime() + 15 * 60_000)
    await refresh(ids.teacherA, new Date(closes.getTime() - 60_000))
    expect(await itemsAbout(s, 'makeup_assigned')).toHaveLength(0)
    for (const u of [ids.teacherA, ids.teacherA2]) await refresh(u, new Date(closes.getTime() + 60_000))
    await refresh(ids.teacherA, new Date(closes.getTime() + 3600_000))
    expect(users(await itemsAbout(s, 'makeup_assigned'))).toEqual([ids.teacherA])
  })

  it('a plan due in three days with sections unread, once; not for a member who read everything', async () => {
    const { rows } = await db.query<{ id: string }>(
      `select r.id from app.readings r where r.org_id = $1 and exists (select 1 from app.reading_sections s where s.reading_id = r.id) limit 1`,
      [ids.bureau],
    )
    const reading = rows[0].id
    const plan = randomUUID()
    const due = new Date(Date.now() + 10 * 86400_000)
    const dueOn = new Date(due.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
    await as(db, ids.secretaryA).rpc('plan_create', { p_id: plan, p_title: '限期计划', p_due_on: dueOn, p_reading_ids: [reading], p_org_ids: [ids.branchA] })
    await db.query(`insert into app.section_ticks (user_id, section_id) select $1, id from app.reading_sections where reading_id = $2 on conflict do nothing`, [ids.teacherA2, reading])
    const day = (n: number) => new Date(`${dueOn}T12:00:00+08:00`).getTime() - n * 86400_000
    await refresh(ids.teacherA, new Date(day(4)))
    expect(await itemsAbout(plan, 'plan_due')).toHaveLength(0)
    for (const u of [ids.teacherA, ids.teacherA2, ids.teacherB]) await refresh(u, new Date(day(3)))
    await refresh(ids.teacherA, new Date(day(1)))
    const due3 = await itemsAbout(plan, 'plan_due')
    expect(users(due3)).toEqual([ids.teacherA])
    expect(due3[0].params.unread).toBeGreaterThan(0)
  })
})

describe('my_calendar', () => {
  it('lists the sessions I am expected at or organise, upcoming only, with the organiser; none of another branch', async () => {
    const s = randomUUID()
    await saveSession(s, inHours(6), '党员活动室')
    const mine = await as(db, ids.teacherA).rpc('my_calendar')
    const row = mine.find((x: any) => x.id === s)
    expect(row).toMatchObject({ title: '支部党员大会', place: '党员活动室', duration_minutes: 60 })
    expect(row.organiser_name).toBeTruthy()
    expect(mine.every((x: any) => new Date(x.starts_at).getTime() + x.duration_minutes * 60_000 > Date.now())).toBe(true)
    expect((await as(db, ids.secretaryA).rpc('my_calendar')).some((x: any) => x.id === s)).toBe(true)
    expect((await as(db, ids.teacherB).rpc('my_calendar')).some((x: any) => x.id === s)).toBe(false)
  })
})
