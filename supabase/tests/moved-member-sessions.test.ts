import type { Db } from '../local/db'
// A member moved to another branch keeps the sessions they were expected at in the old one:
// listed, openable, with the old branch's name and their own attendance, while the old branch
// itself (its roster, topics, other members' check-ins, its later sessions) stays closed to them.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, createUser, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

async function mkBranch(parent: string, name: string): Promise<string> {
  const id = randomUUID()
  await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, 'branch', $3)`, [id, parent, name])
  return id
}

async function join(org: string, user: string, daysAgo: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into app.memberships (org_id, user_id, role, joined_at) values ($1, $2, 'member', now() - make_interval(days => $3)) returning id`,
    [org, user, daysAgo],
  )
  return rows[0]!.id
}

async function mkSession(org: string, startDays: number, title: string): Promise<string> {
  const id = randomUUID()
  await db.query(
    `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
     values ($1, $2, 'general_meeting', $4, now() + make_interval(secs => $3 * 86400), 60, '活动室', $5,
             now() + make_interval(secs => $3 * 86400 - 1800), now() + make_interval(secs => $3 * 86400 + 900), $5)`,
    [id, org, startDays, title, ids.admin],
  )
  await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, org])
  return id
}

function checkIn(s: string, u: string, status = 'present') {
  return db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, $4, 'code')`, [randomUUID(), s, u, status])
}

describe('a member moved to another branch', () => {
  it('still lists and opens the old branch\'s past sessions with its name and their own attendance, and reads nothing else of it', async () => {
    const old = await mkBranch(ids.school1, '调出测试甲支部')
    const now = await mkBranch(ids.school2, '调入测试乙支部')
    const t = await createUser(db, { name: '调动老师' })
    const other = await createUser(db, { name: '留下的老师' })
    const membership = await join(old, t, 200)
    await join(old, other, 200)
    const beforeJoin = await mkSession(old, -300, '入支部前的活动')
    const attended = await mkSession(old, -30, '调出前出席的活动')
    const missed = await mkSession(old, -20, '调出前缺席的活动')
    const later = await mkSession(old, 7, '调出后的活动')
    await checkIn(attended, t)
    await checkIn(attended, other, 'late')
    await checkIn(missed, other)
    const topic = randomUUID()
    await db.query(`insert into app.topics (id, org_id, title, prompt, status, created_by, published_at) values ($1, $2, '甲支部的话题', '请谈谈体会', 'open', $3, now())`, [topic, old, ids.admin])

    const me = as(db, t)
    const past = async () => ((await me.rpc('my_sessions', { p_scope: 'past', p_limit: 100 })) as any[]).filter(s => [beforeJoin, attended, missed].includes(s.id))
    const upcoming = async () => ((await me.rpc('my_sessions', { p_scope: 'upcoming', p_limit: 100 })) as any[]).map(s => s.id)
    const listedBefore = await past()
    expect(listedBefore.map(s => [s.id, s.org_name, s.my_status]).sort()).toEqual([
      [attended, '调出测试甲支部', 'present'],
      [beforeJoin, '调出测试甲支部', null],
      [missed, '调出测试甲支部', 'absent'],
    ].sort())
    expect(await upcoming()).toContain(later)

    await as(db, ids.admin).rpc('member_move', { p_membership_id: membership, p_to_org_id: now })

    // the sessions they were expected at: listed as before, with the old branch's name and their status
    const listed = await past()
    expect(listed.map(s => [s.id, s.org_name, s.my_status]).sort()).toEqual([
      [attended, '调出测试甲支部', 'present'],
      [missed, '调出测试甲支部', 'absent'],
    ].sort())
    const detail = await me.rpc('session_detail', { p_session_id: attended })
    expect(detail).toMatchObject({
      org_id: old,
      org_name: '调出测试甲支部',
      expected_orgs: [{ id: old, name: '调出测试甲支部' }],
      expected: true,
      can_run: false,
      my_status: 'present',
      counts: null,
    })
    expect(detail.my_checkin).toMatchObject({ status: 'present' })
    expect((await me.rpc('session_detail', { p_session_id: missed })).my_status).toBe('absent')

    // and nothing else of the old branch
    expect((await me.query('select id from app.organisations where id = $1', [old])).rows).toEqual([])
    expect(((await me.rpc('my_context')).memberships as any[]).map(m => m.org_id)).toEqual([now])
    await expectError(me.rpc('roster', { p_org_id: old }), 'admin.org_not_found')
    await expectError(me.rpc('session_detail', { p_session_id: later }), 'sessions.not_found')
    await expectError(me.rpc('session_detail', { p_session_id: beforeJoin }), 'sessions.not_found')
    expect(await upcoming()).not.toContain(later)
    await expectError(me.rpc('attendance_sheet', { p_session_id: attended }), 'sessions.forbidden')
    expect((await me.query('select user_id from app.checkins where session_id = any ($1)', [[attended, missed]])).rows).toEqual([{ user_id: t }])
    expect(((await me.rpc('topic_list')) as any[]).some(x => x.id === topic)).toBe(false)
    await expectError(me.rpc('topic_detail', { p_topic_id: topic }), 'topics.not_found')
    // the name lookup answers only for a session's own organisations, to someone who may see it
    const name = (s: string, o: string) => me.query<{ n: string | null }>('select app.session_org_name($1, $2) as n', [s, o]).then(r => r.rows[0]!.n)
    expect(await name(attended, old)).toBe('调出测试甲支部')
    expect(await name(later, old)).toBeNull()
    expect(await name(beforeJoin, old)).toBeNull()
    expect(await name(attended, ids.branchB)).toBeNull()
    expect(await as(db, null).query('select has_function_privilege(\'anon\', \'app.session_org_name(uuid, uuid)\', \'execute\') as x').then(r => r.rows[0].x)).toBe(false)

    // the member who stayed sees the old branch's sessions as ever
    const stayed = as(db, other)
    expect(((await stayed.rpc('my_sessions', { p_scope: 'past', p_limit: 100 })) as any[]).filter(s => [attended, missed].includes(s.id)).map(s => s.org_name)).toEqual(['调出测试甲支部', '调出测试甲支部'])
  })
})
