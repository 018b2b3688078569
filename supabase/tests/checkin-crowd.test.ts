import type { Db } from '../local/db'
// A crowd checking in to one session at once (#15 bench: checkin-crowd got "deadlock detected").
// Every check-in updates the rollup rows its member shares with the others (the county's and the
// bureau's app.attendance_org_sessions rows for the session, the school's for members of one
// school) and, at commit, the session's app.session_tallies row. On PostgreSQL the check-ins run
// over separate connections at the same moment, so rows locked in different orders deadlock; on
// PGlite (one connection) the same calls run one after another and the test checks the counts only.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../local/db'
import { addMember, as, createUser, freshDb, ids } from './db'

const SCHOOLS = 8
const BRANCHES = 3
const PER_BRANCH = 2 // 48 members, in 24 branches of 8 schools of one county
const ROUNDS = 4
const LEAVE = 6
const MARKED = 6
// separate pools of 10 connections each on the server: all 48 check-ins in flight together
const POOLS = 5

let db: Db
const pools: Db[] = []
const members: string[] = []
let county: string
beforeAll(async () => {
  db = await freshDb()
  county = randomUUID()
  await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, 'committee', '测试县')`, [county, ids.bureau])
  for (let s = 0; s < SCHOOLS; s++) {
    const school = randomUUID()
    await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, 'general_branch', $3)`, [school, county, `学校${s}`])
    for (let b = 0; b < BRANCHES; b++) {
      const branch = randomUUID()
      await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, 'branch', $3)`, [branch, school, `支部${s}-${b}`])
      for (let m = 0; m < PER_BRANCH; m++) {
        const u = await createUser(db)
        await addMember(db, branch, u)
        members.push(u)
      }
    }
  }
  const url = process.env.DATABASE_URL
  if (url) {
    const { rows } = await db.query<{ d: string }>('select current_database() as d')
    const u = new URL(url)
    u.pathname = `/${rows[0].d}`
    for (let i = 0; i < POOLS; i++)
      pools.push(await openDb({ databaseUrl: u.toString() }))
  }
  else {
    pools.push(db)
  }
}, 120_000)
afterAll(async () => {
  for (const p of pools) {
    if (p !== db)
      await p.close()
  }
  await db?.close()
})

async function mkSession(): Promise<string> {
  const id = randomUUID()
  await db.query(
    `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
     values ($1, $2, 'general_meeting', '全县大会', now() + interval '10 minutes', 60, '礼堂', $3, now() - interval '20 minutes', now() + interval '30 minutes', $3)`,
    [id, county, ids.admin],
  )
  await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, county])
  return id
}

describe('a crowd checking in to one session', () => {
  it('never fails because another check-in ran at the same moment; every count matches a recount', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const s = await mkSession()
      const { rows } = await db.query<{ c: string }>('select app.session_code($1, app.step_of(now())) as c', [s])
      const code = rows[0].c
      // leave decisions and manual marks take the same rows and run at the same moment: a few
      // members who asked for leave are approved while they check in, a few others are marked late
      const leaving = members.slice(0, LEAVE)
      const marked = members.slice(-MARKED)
      const crowd = members.slice(0, -MARKED)
      const leaves: string[] = []
      for (const u of leaving)
        leaves.push((await as(db, u).rpc('leave_request', { p_id: randomUUID(), p_session_id: s, p_reason: '出差' })).id)
      const admin = (i: number) => as(pools[i % pools.length], ids.admin)
      const results = await Promise.allSettled([
        ...crowd.map((u, i) => as(pools[i % pools.length], u).rpc('session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code })),
        ...leaves.map((l, i) => admin(i).rpc('leave_decide', { p_leave_id: l, p_approve: true })),
        ...marked.map((u, i) => admin(i + 1).rpc('attendance_mark', { p_session_id: s, p_user_id: u, p_status: 'late', p_reason: '补签' })),
      ])
      const failed = results.flatMap(r => r.status === 'rejected' ? [String(r.reason?.message ?? r.reason)] : [])
      expect(failed, `round ${round}`).toEqual([])
      expect(results.slice(0, crowd.length).map(r => r.status === 'fulfilled' && r.value.status)).toEqual(crowd.map(() => 'ok'))

      const { rows: stored } = await db.query<{ n: number, users: number }>(
        'select count(*)::int as n, count(distinct user_id)::int as users from app.checkins where session_id = $1',
        [s],
      )
      expect(stored[0]).toEqual({ n: members.length, users: members.length })
      const { rows: tally } = await db.query<{ kept: any, direct: any }>(
        `select to_jsonb(t) - 'session_id' as kept, app.session_recount($1) as direct from app.session_tallies t where t.session_id = $1`,
        [s],
      )
      expect(tally[0].kept).toMatchObject(tally[0].direct)
      expect(tally[0].kept).toMatchObject({ present: crowd.length, late: MARKED, excused: 0, pending_leave: 0, absent: 0 })
      const { rows: rollup } = await db.query(`
        with direct as (
          select r.org_id, count(*)::int as expected,
                 count(*) filter (where f.checkin_status in ('present', 'late'))::int as attended,
                 count(*) filter (where f.checkin_status = 'excused')::int as excused
            from app.attendance_facts f cross join lateral unnest(f.orgs) as r(org_id)
           where f.session_id = $1 and not f.cancelled and f.org_id is not null group by 1),
        kept as (select org_id, expected, attended, excused from app.attendance_org_sessions where session_id = $1)
        (select 'missing' as d, * from direct except select 'missing', * from kept)
        union all
        (select 'extra', * from kept except select 'extra', * from direct)`, [s])
      expect(rollup).toEqual([])
      const { rows: top } = await db.query<{ attended: number }>(
        'select attended from app.attendance_org_sessions where session_id = $1 and org_id = $2',
        [s, county],
      )
      expect(top[0]?.attended).toBe(members.length)
    }
  }, 120_000)
})
