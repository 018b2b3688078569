import type { Db } from '../local/db'
// 学时 is one rule (#17): an organisation's reading counts the sections read by those who belonged to
// it, or below it, when they read (as attendance counts who belonged on the day), and 学时
// (org_study_hours) and the report (report_org) read it from the same summary. A member who reads
// in branch A, moves to branch B and reads again: A keeps what was read in A, B gets only what was
// read in B, the school above both gets both, and what was read before joining counts for no
// organisation (but in the member's own 学时).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, createUser, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

async function mkOrg(parent: string, kind: string, name: string): Promise<string> {
  const id = randomUUID()
  await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, $3, $4)`, [id, parent, kind, name])
  return id
}

function tick(user: string, section: string, daysAgo: number) {
  return db.query(`insert into app.section_ticks (user_id, section_id, read_at) values ($1, $2, now() - make_interval(days => $3))`, [user, section, daysAgo])
}

async function mkSession(org: string, daysAgo: number, minutes: number): Promise<string> {
  const id = randomUUID()
  await db.query(
    `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
     values ($1, $2, 'general_meeting', '学时测试', now() - make_interval(days => $3), $4, '活动室', $5,
             now() - make_interval(days => $3) - interval '30 minutes', now() - make_interval(days => $3) + interval '15 minutes', $5)`,
    [id, org, daysAgo, minutes, ids.admin],
  )
  await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, org])
  return id
}

// the rule written out once more, from the ticks and memberships themselves
const DIRECT = `
  select coalesce(sum(coalesce(s.est_minutes, 0)), 0)::int as minutes, count(*)::int as sections
    from app.section_ticks t join app.reading_sections s on s.id = t.section_id
   where t.read_at >= ($2::date::timestamp at time zone 'Asia/Shanghai')
     and t.read_at < (($3::date + 1)::timestamp at time zone 'Asia/Shanghai')
     and exists (select 1 from app.memberships m join app.organisations o on o.id = m.org_id
                  where m.user_id = t.user_id and m.during @> t.read_at and o.path @> array[$1::uuid])`

describe('学时 of a member who moved', () => {
  it('is the same in org_study_hours and the report for the old branch, the new one and the school, and is what the rule says', async () => {
    const school = await mkOrg(ids.bureau, 'committee', '学时测试学校党委')
    const a = await mkOrg(school, 'branch', '学时测试甲支部')
    const b = await mkOrg(school, 'branch', '学时测试乙支部')
    const t = await createUser(db, { name: '调动的老师' })
    const stayed = await createUser(db, { name: '没调动的老师' })
    // four sections of different lengths, so that every sum below names the sections it holds
    const sections = (await db.query<{ id: string, m: number }>(
      `update app.reading_sections s set est_minutes = x.m
         from (select id, (array[7, 11, 13, 17])[row_number() over (order by id)] as m from app.reading_sections order by id limit 4) x
        where s.id = x.id returning s.id, s.est_minutes as m`,
    )).rows.sort((p, q) => p.m - q.m)
    expect(sections).toHaveLength(4)
    const [before, inA, inB, other] = sections as [{ id: string, m: number }, { id: string, m: number }, { id: string, m: number }, { id: string, m: number }]

    const { rows } = await db.query<{ id: string }>(
      `insert into app.memberships (org_id, user_id, role, joined_at) values ($1, $2, 'member', now() - interval '90 days') returning id`,
      [a, t],
    )
    await db.query(`insert into app.memberships (org_id, user_id, role, joined_at) values ($1, $2, 'member', now() - interval '90 days')`, [a, stayed])
    await tick(t, before.id, 100) // before joining anything here
    await tick(t, inA.id, 60)
    await tick(stayed, other.id, 50)
    const sessionA = await mkSession(a, 55, 45)
    await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'present', 'code')`, [randomUUID(), sessionA, t])

    await as(db, ids.admin).rpc('member_move', { p_membership_id: rows[0]!.id, p_to_org_id: b })
    // the move happened now; what was read in A stays A's, what is read from now on is B's
    await tick(t, inB.id, 0)
    const sessionB = await mkSession(b, 0, 30)
    await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'late', 'code')`, [randomUUID(), sessionB, t])

    const { rows: days } = await db.query<{ from: string, to: string }>(
      `select to_char((now() at time zone 'Asia/Shanghai')::date - 120, 'YYYY-MM-DD') as "from",
              to_char((now() at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as "to"`,
    )
    const { from, to } = days[0]!
    const admin = as(db, ids.admin)
    const report = await admin.rpc('report_org', { p_org_id: school, p_from: from, p_to: to }) as { orgs: any[] }
    const want = { [a]: inA.m + other.m, [b]: inB.m, [school]: inA.m + inB.m + other.m }
    const wantSessions = { [a]: 45, [b]: 30, [school]: 75 }
    for (const org of [a, b, school]) {
      const hours = await admin.rpc('org_study_hours', { p_org_id: org, p_from: from, p_to: to })
      const row = report.orgs.find(o => o.id === org)
      const direct = (await db.query<{ minutes: number, sections: number }>(DIRECT, [org, from, to])).rows[0]!
      expect({ org, hours: hours.reading_minutes, report: row.reading_minutes }).toEqual({ org, hours: want[org], report: want[org] })
      expect({ org, minutes: direct.minutes, sections: hours.sections }).toEqual({ org, minutes: want[org], sections: direct.sections })
      expect({ org, hours: hours.session_minutes, report: row.session_minutes }).toEqual({ org, hours: wantSessions[org], report: wantSessions[org] })
    }
    // the member's own 学时: everything they read, wherever they belonged
    const mine = await as(db, t).rpc('my_study_hours', { p_from: from, p_to: to })
    expect(mine).toMatchObject({ reading_minutes: before.m + inA.m + inB.m, sections: 3, session_minutes: 75, sessions: 2 })
    // and the kept summary is what a rebuild from scratch makes
    const facts = () => db.query<{ f: unknown }>(`select coalesce(jsonb_agg(to_jsonb(f) order by f.org_id, f.kind, f.key, f.day, f.prev_day), '[]') as f
      from app.report_org_facts f where f.users <> 0 or f.n <> 0`).then(r => r.rows[0]!.f)
    const kept = await facts()
    await db.query('select app.report_rebuild()')
    expect(await facts()).toEqual(kept)
  })
})
