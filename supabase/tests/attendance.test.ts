import type { Db } from '../local/db'
// Attendance by who belonged on the day (#16.5) and its summary (#15): app.attendance_facts and
// the counters, reports and 学时 built on it are compared with a direct computation written here
// from the raw tables (memberships with their dates, session_orgs, invitees, check-ins, leave),
// on the seeds and after a seeded series of random writes; and the moved member's record.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, count, createUser, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

// Expected (session, member) pairs as the issue words it, independently of app.session_members:
// members of an expected organisation or one below it whose membership covered the start.
const PAIRS = `
  select so.session_id, m.user_id, m.org_id, o.path
    from app.session_orgs so join app.sessions s on s.id = so.session_id
    join app.organisations o on so.org_id = any (o.path)
    join app.memberships m on m.org_id = o.id
   where m.joined_at <= s.starts_at and (m.ended_at is null or s.starts_at < m.ended_at)`
const EXPECTED = `
  select session_id, user_id from (${PAIRS}) p
  union
  select session_id, user_id from app.session_invitees`

const DIRECT_FACTS = `
  with pairs as (${PAIRS}), allp as (${EXPECTED})
  select a.session_id, a.user_id,
         (select p.org_id from pairs p where p.session_id = a.session_id and p.user_id = a.user_id
           order by cardinality(p.path) desc, p.org_id limit 1) as org_id,
         coalesce((select array_agg(distinct x order by x) from pairs p cross join unnest(p.path) x
                    where p.session_id = a.session_id and p.user_id = a.user_id), '{}') as orgs,
         s.org_id as session_org_id, s.kind, s.starts_at, s.checkin_closes_at as closes_at, s.duration_minutes,
         s.cancelled_at is not null as cancelled, c.status as checkin_status, l.status as leave_status
    from allp a join app.sessions s on s.id = a.session_id
    left join app.checkins c on c.session_id = a.session_id and c.user_id = a.user_id
    left join app.leave_requests l on l.session_id = a.session_id and l.user_id = a.user_id`
const KEPT_FACTS = `
  select session_id, user_id, org_id, orgs, session_org_id, kind, starts_at, closes_at, duration_minutes, cancelled,
         checkin_status, leave_status from app.attendance_facts`

// the per-(organisation, session) rollup (app.attendance_org_sessions), recomputed from the facts
const ROLLUP_DIRECT = `
  select r.org_id, f.session_id, min(f.kind) as kind, min(f.starts_at) as starts_at, min(f.duration_minutes) as duration_minutes,
         count(*)::int as expected, count(*) filter (where f.checkin_status in ('present', 'late'))::int as attended,
         count(*) filter (where f.checkin_status = 'excused')::int as excused,
         count(*) filter (where f.checkin_status = 'late')::int as late,
         count(*) filter (where f.checkin_status is null and f.leave_status = 'approved')::int as on_leave
    from app.attendance_facts f cross join lateral unnest(f.orgs) as r(org_id)
   where not f.cancelled and f.org_id is not null group by 1, 2`
const ROLLUP_KEPT = `select org_id, session_id, kind, starts_at, duration_minutes, expected, attended, excused, late, on_leave from app.attendance_org_sessions`

async function rollupMismatches(): Promise<unknown[]> {
  const { rows } = await db.query(`
    (select 'missing' as d, * from (${ROLLUP_DIRECT}) x except select 'missing', * from (${ROLLUP_KEPT}) y)
    union all
    (select 'extra', * from (${ROLLUP_KEPT}) y except select 'extra', * from (${ROLLUP_DIRECT}) x)`)
  return rows
}

async function factMismatches(): Promise<unknown[]> {
  const { rows } = await db.query(`
    (select 'missing' as d, * from (${DIRECT_FACTS}) x except select 'missing', * from (${KEPT_FACTS}) y)
    union all
    (select 'extra', * from (${KEPT_FACTS}) y except select 'extra', * from (${DIRECT_FACTS}) x)`)
  return rows
}

async function tallyMismatches(): Promise<unknown[]> {
  const { rows } = await db.query(`
    with allp as (${EXPECTED})
    select t.session_id, t.expected, (select count(*) from allp where allp.session_id = t.session_id)::int as direct
      from app.session_tallies t
     where t.expected <> (select count(*) from allp where allp.session_id = t.session_id)`)
  return rows
}

async function shanghaiDay(offsetDays: number) {
  return (await db.query<{ d: string }>(`select ((now() at time zone 'Asia/Shanghai')::date + $1::int)::text as d`, [offsetDays])).rows[0]!.d
}

// The report's attendance and session 学时 per organisation, recomputed: each expected pair in
// the rows of the organisations that brought the member and everything above them.
async function directReport(from: string, to: string) {
  const { rows } = await db.query<{ org_id: string, kind: string, expected: number, attended: number, excused: number }>(`
    with pairs as (${PAIRS}),
    inrow as (select distinct p.session_id, p.user_id, x as org_id from pairs p cross join unnest(p.path) x)
    select r.org_id, s.kind, count(*)::int as expected,
           count(*) filter (where c.status in ('present', 'late'))::int as attended,
           count(*) filter (where c.status = 'excused')::int as excused
      from inrow r join app.sessions s on s.id = r.session_id
      left join app.checkins c on c.session_id = r.session_id and c.user_id = r.user_id
     where s.cancelled_at is null and s.starts_at <= now()
       and s.starts_at >= ($1::date::timestamp at time zone 'Asia/Shanghai')
       and s.starts_at < (($2::date + 1)::timestamp at time zone 'Asia/Shanghai')
     group by 1, 2 order by 1, 2`, [from, to])
  const mins = await db.query<{ org_id: string, minutes: number }>(`
    with pairs as (${PAIRS}),
    inrow as (select distinct p.session_id, p.user_id, x as org_id from pairs p cross join unnest(p.path) x)
    select r.org_id, sum(s.duration_minutes)::int as minutes
      from inrow r join app.sessions s on s.id = r.session_id
      join app.checkins c on c.session_id = r.session_id and c.user_id = r.user_id and c.status in ('present', 'late')
     where s.cancelled_at is null
       and s.starts_at >= ($1::date::timestamp at time zone 'Asia/Shanghai')
       and s.starts_at < (($2::date + 1)::timestamp at time zone 'Asia/Shanghai')
     group by 1`, [from, to])
  return { rows, minutes: new Map(mins.rows.map(r => [r.org_id, r.minutes])) }
}

async function reportMismatches(from: string, to: string): Promise<unknown[]> {
  const rep = await as(db, ids.admin).rpc('report_bureau', { p_from: from, p_to: to })
  const direct = await directReport(from, to)
  const bad: unknown[] = []
  for (const o of rep.orgs as any[]) {
    const want = direct.rows.filter(r => r.org_id === o.id).map(r => ({ kind: r.kind, expected: r.expected, attended: r.attended, excused: r.excused }))
    const got = (o.attendance as any[]).map(a => ({ kind: a.kind, expected: a.expected, attended: a.attended, excused: a.excused })).sort((a, b) => a.kind.localeCompare(b.kind))
    want.sort((a, b) => a.kind.localeCompare(b.kind))
    if (JSON.stringify(got) !== JSON.stringify(want))
      bad.push({ org: o.id, got, want })
    if (o.expected !== want.reduce((n, r) => n + r.expected, 0) || o.attended !== want.reduce((n, r) => n + r.attended, 0))
      bad.push({ org: o.id, totals: [o.expected, o.attended] })
    if (o.session_minutes !== (direct.minutes.get(o.id) ?? 0))
      bad.push({ org: o.id, session_minutes: o.session_minutes, want: direct.minutes.get(o.id) ?? 0 })
  }
  return bad
}

// attendance_summary, recomputed: sessions organised in the subtree, closed, counted in the
// deepest organisation that brought each member when that lies in the subtree
// — its members read three at a time, which must be the whole list in one page, in the same order
async function summaryMismatches(org: string, manager: string, from: string, to: string): Promise<unknown[]> {
  const call = (after: unknown, limit: number) => as(db, manager).rpc('attendance_summary', { p_org_id: org, p_from: from, p_to: to, p_after: after, p_limit: limit })
  const whole = await call(null, 500)
  const got = await call(null, 3)
  for (let next = got.next; next;) {
    const page = await call(next, 3)
    if (JSON.stringify([page.orgs, page.member_count, page.sessions]) !== JSON.stringify([whole.orgs, whole.member_count, whole.sessions]))
      return [{ page: next, totals: [page.orgs, page.member_count, page.sessions] }]
    got.members.push(...page.members)
    next = page.next
  }
  if (JSON.stringify(got.members) !== JSON.stringify(whole.members) || whole.next !== null || whole.member_count !== whole.members.length)
    return [{ paged: got.members, whole: whole.members, member_count: whole.member_count }]
  const { rows } = await db.query<{ user_id: string, expected: number, present: number, late: number, excused: number, absent: number }>(`
    with pairs as (${PAIRS}), allp as (${EXPECTED}),
    sub as (select o.id from app.organisations o where o.path @> array[$1::uuid]),
    deep as (
      select a.session_id, a.user_id,
             (select p.org_id from pairs p where p.session_id = a.session_id and p.user_id = a.user_id
               order by cardinality(p.path) desc, p.org_id limit 1) as org_id
        from allp a),
    st as (
      select d.user_id, coalesce(c.status, case when l.status = 'approved' then 'excused' else 'absent' end) as status
        from deep d join app.sessions s on s.id = d.session_id
        left join app.checkins c on c.session_id = d.session_id and c.user_id = d.user_id
        left join app.leave_requests l on l.session_id = d.session_id and l.user_id = d.user_id
       where s.org_id in (select id from sub) and d.org_id in (select id from sub) and s.cancelled_at is null
         and s.starts_at >= $2::date::timestamptz and s.starts_at < ($3::date + 1)::timestamptz and s.checkin_closes_at < now())
    select user_id, count(*)::int as expected, count(*) filter (where status = 'present')::int as present,
           count(*) filter (where status = 'late')::int as late, count(*) filter (where status = 'excused')::int as excused,
           count(*) filter (where status = 'absent')::int as absent
      from st group by 1 order by 1`, [org, from, to])
  const mine = (got.members as any[]).map(m => ({ user_id: m.user_id, expected: m.expected, present: m.present, late: m.late, excused: m.excused, absent: m.absent })).sort((a, b) => a.user_id.localeCompare(b.user_id))
  return JSON.stringify(mine) === JSON.stringify(rows) ? [] : [{ got: mine, want: rows }]
}

// attendance_summary a level at a time (p_depth), recomputed from the facts: a row for the
// organisation and each one `depth` levels below or less with expected members, each its
// subtree's total (a member counts in every organisation at or above one that brought them), of
// sessions organised in the subtree and closed; the members listed are those the organisations
// above the last level brought (their deepest), each once, whole over the pages
async function levelMismatches(org: string, manager: string, from: string, to: string, depth: number): Promise<unknown[]> {
  const call = (after: unknown, limit: number) => as(db, manager).rpc('attendance_summary', { p_org_id: org, p_from: from, p_to: to, p_after: after, p_limit: limit, p_depth: depth })
  const got = await call(null, 2)
  if (got.levels !== depth)
    return [{ levels: got.levels }]
  for (let next = got.next; next;) {
    const page = await call(next, 2)
    got.members.push(...page.members)
    next = page.next
  }
  // the subtree with each organisation's level below org, and the facts of its closed sessions in the period
  const base = `
    with sub as (select o.id, o.path, cardinality(o.path) - (select cardinality(path) from app.organisations where id = $1) as level
                   from app.organisations o where o.path @> array[$1::uuid]),
    f as (
      select f.*, coalesce(f.checkin_status, case when f.leave_status = 'approved' then 'excused' else 'absent' end) as status
        from app.attendance_facts f join app.sessions s on s.id = f.session_id
       where s.org_id in (select id from sub) and s.cancelled_at is null and s.checkin_closes_at < now()
         and s.starts_at >= $2::date::timestamptz and s.starts_at < ($3::date + 1)::timestamptz)`
  const counts = `count(*)::int as expected, count(*) filter (where status = 'present')::int as present,
    count(*) filter (where status = 'late')::int as late, count(*) filter (where status = 'excused')::int as excused,
    count(*) filter (where status = 'absent')::int as absent`
  const orgs = await db.query(`${base}
    select sub.id as org_id, ${counts} from sub join f on sub.id = any (f.orgs) and f.org_id is not null
     where sub.level <= $4 group by sub.id, sub.path order by sub.path`, [org, from, to, depth])
  const members = await db.query(`${base}
    select f.user_id, ${counts} from f where f.org_id in (select id from sub where level < $4) group by 1 order by 1`, [org, from, to, depth])
  const rates = (r: any) => ({ expected: r.expected, present: r.present, late: r.late, excused: r.excused, absent: r.absent })
  const gotOrgs = (got.orgs as any[]).map(o => ({ org_id: o.org_id, ...rates(o) }))
  const gotMembers = (got.members as any[]).map(m => ({ user_id: m.user_id, ...rates(m) })).sort((a, b) => a.user_id.localeCompare(b.user_id))
  const bad: unknown[] = []
  if (JSON.stringify(gotOrgs) !== JSON.stringify(orgs.rows))
    bad.push({ depth, orgs: gotOrgs, want: orgs.rows })
  if (JSON.stringify(gotMembers) !== JSON.stringify(members.rows) || got.member_count !== members.rows.length)
    bad.push({ depth, members: gotMembers, want: members.rows, member_count: got.member_count })
  return bad
}

// 学时 from sessions: the member's attended sessions where expected; an organisation's, those of
// pairs whose bringing organisation lies in its subtree
async function hoursMismatches(from: string, to: string, users: string[], org: string, manager: string): Promise<unknown[]> {
  const bad: unknown[] = []
  const cond = `s.cancelled_at is null and s.starts_at >= ($1::date::timestamp at time zone 'Asia/Shanghai')
                and s.starts_at < (($2::date + 1)::timestamp at time zone 'Asia/Shanghai')`
  for (const u of users) {
    const got = await as(db, u).rpc('my_study_hours', { p_from: from, p_to: to })
    const { rows } = await db.query<{ n: number, m: number }>(`
      with allp as (${EXPECTED})
      select count(*)::int as n, coalesce(sum(s.duration_minutes), 0)::int as m
        from allp a join app.sessions s on s.id = a.session_id
        join app.checkins c on c.session_id = a.session_id and c.user_id = a.user_id and c.status in ('present', 'late')
       where a.user_id = $3 and ${cond}`, [from, to, u])
    if (got.sessions !== rows[0]!.n || got.session_minutes !== rows[0]!.m)
      bad.push({ user: u, got: [got.sessions, got.session_minutes], want: rows[0] })
  }
  const got = await as(db, manager).rpc('org_study_hours', { p_org_id: org, p_from: from, p_to: to })
  const { rows } = await db.query<{ n: number, m: number }>(`
    with pairs as (${PAIRS}),
    inorg as (select distinct p.session_id, p.user_id from pairs p where $3::uuid = any (p.path))
    select count(*)::int as n, coalesce(sum(s.duration_minutes), 0)::int as m
      from inorg a join app.sessions s on s.id = a.session_id
      join app.checkins c on c.session_id = a.session_id and c.user_id = a.user_id and c.status in ('present', 'late')
     where ${cond}`, [from, to, org])
  if (got.sessions !== rows[0]!.n || got.session_minutes !== rows[0]!.m)
    bad.push({ org, got: [got.sessions, got.session_minutes], want: rows[0] })
  return bad
}

/** A session at `startDays` days from now (fractions allowed), inserted directly. */
async function mkSession(opts: { startDays: number, org?: string, orgs?: string[], invitees?: string[], kind?: string, duration?: number }) {
  const id = randomUUID()
  await db.query(
    `insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
     values ($1, $2, $5, '测试', now() + make_interval(secs => $3 * 86400), $6, '活动室', $4,
             now() + make_interval(secs => $3 * 86400 - 1800), now() + make_interval(secs => $3 * 86400 + 900), $4)`,
    [id, opts.org ?? ids.branchA, opts.startDays, ids.admin, opts.kind ?? 'general_meeting', opts.duration ?? 60],
  )
  for (const o of opts.orgs ?? [opts.org ?? ids.branchA])
    await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [id, o])
  for (const u of opts.invitees ?? [])
    await db.query('insert into app.session_invitees (session_id, user_id) values ($1, $2)', [id, u])
  return id
}

async function join(org: string, user: string, daysAgo: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into app.memberships (org_id, user_id, role, joined_at) values ($1, $2, 'member', now() - make_interval(days => $3)) returning id`,
    [org, user, daysAgo],
  )
  return rows[0]!.id
}

/** A new branch of its own under a school, so that no other test's sessions fall into it. */
async function mkBranch(parent: string, name: string): Promise<string> {
  const id = randomUUID()
  await db.query(`insert into app.organisations (id, parent_id, kind, name) values ($1, $2, 'branch', $3)`, [id, parent, name])
  return id
}

function checkIn(s: string, u: string, status = 'present') {
  return db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, $4, 'code')`, [randomUUID(), s, u, status])
}

describe('the summary equals the direct computation', () => {
  it('on the seeded activity: facts, expected counters, the bureau report, summaries and 学时', async () => {
    expect(Number((await db.query<{ n: string }>('select count(*) as n from app.attendance_facts')).rows[0]!.n)).toBeGreaterThan(0)
    expect(await factMismatches()).toEqual([])
    expect(await rollupMismatches()).toEqual([])
    expect(await count(db, ROLLUP_KEPT)).toBeGreaterThan(0)
    expect(await tallyMismatches()).toEqual([])
    const from = await shanghaiDay(-60)
    const to = await shanghaiDay(30)
    expect(await reportMismatches(from, to)).toEqual([])
    expect(await summaryMismatches(ids.branchA, ids.secretaryA, from, to)).toEqual([])
    for (const depth of [0, 1, 2])
      expect(await levelMismatches(ids.bureau, ids.admin, from, to, depth)).toEqual([])
    expect(await levelMismatches(ids.branchA, ids.secretaryA, from, to, 1)).toEqual([])
    expect(await hoursMismatches(from, to, [ids.teacherA, ids.teacherA2, ids.principal], ids.school1, ids.admin)).toEqual([])
  })

  it('after a seeded series of random writes of every kind that changes them', async () => {
    let seed = 20261202
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!
    const orgs = [ids.branchA, ids.branchA2, ids.school1, ids.branchB, ids.groupB, ids.school2]
    const people: string[] = [ids.teacherA, ids.teacherA2, ids.teacherA2branch, ids.teacherB, ids.teacherBgroup, ids.principal]
    for (let i = 0; i < 4; i++) {
      const u = await createUser(db)
      people.push(u)
      await join(pick(orgs), u, 100 + rnd(200))
    }
    const sessions: string[] = []
    for (let i = 0; i < 6; i++)
      sessions.push(await mkSession({ startDays: -rnd(250) + (i === 0 ? 300 : 0), orgs: [pick(orgs)], kind: pick(['general_meeting', 'party_class', 'lecture']) }))
    const kinds = ['present', 'late', 'excused', 'absent']
    for (let i = 0; i < 150; i++) {
      const s = pick(sessions)
      const u = pick(people)
      switch (rnd(12)) {
        case 0:
          await db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, $4, 'code') on conflict do nothing`, [randomUUID(), s, u, pick(kinds)])
          break
        case 1:
          await db.query('update app.checkins set status = $3 where session_id = $1 and user_id = $2', [s, u, pick(kinds)])
          break
        case 2:
          await db.query('delete from app.checkins where session_id = $1 and user_id = $2', [s, u])
          break
        case 3:
          await db.query(`insert into app.leave_requests (id, session_id, user_id, reason) values ($1, $2, $3, '出差') on conflict do nothing`, [randomUUID(), s, u])
          break
        case 4: {
          const st = pick(['approved', 'declined', 'pending'])
          await db.query(`update app.leave_requests set status = $3, decided_at = case when $3 = 'pending' then null else now() end
                           where session_id = $1 and user_id = $2`, [s, u, st])
          break
        }
        case 5:
          if (rnd(2))
            await db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2) on conflict do nothing', [s, pick(orgs)])
          else await db.query('delete from app.session_orgs where session_id = $1 and org_id = $2', [s, pick(orgs)])
          break
        case 6:
          if (rnd(2))
            await db.query('insert into app.session_invitees (session_id, user_id) values ($1, $2) on conflict do nothing', [s, u])
          else await db.query('delete from app.session_invitees where session_id = $1 and user_id = $2', [s, u])
          break
        case 7: {
          // a move some days ago: the open membership closes then, a new one opens at the same moment
          const at = rnd(120)
          await db.transaction(async (tx) => {
            const { rows } = await tx.query<{ id: string, org_id: string }>(
              `update app.memberships set ended_at = greatest(joined_at, now() - make_interval(days => $2))
                where id = (select id from app.memberships where user_id = $1 and ended_at is null order by id limit 1)
                returning id, org_id`,
              [u, at],
            )
            if (rows[0]) {
              await tx.query(`insert into app.memberships (org_id, user_id, role, joined_at)
                              select $1, $2, 'member', ended_at from app.memberships where id = $3 on conflict do nothing`, [pick(orgs.filter(o => o !== rows[0]!.org_id)), u, rows[0].id])
            }
          })
          break
        }
        case 8:
          if (rnd(2))
            await db.query(`update app.memberships set ended_at = greatest(joined_at, now() - make_interval(days => $2)) where user_id = $1 and ended_at is null`, [u, rnd(90)])
          else await db.query(`insert into app.memberships (org_id, user_id, role, joined_at) values ($1, $2, 'member', now() - make_interval(days => $3)) on conflict do nothing`, [pick(orgs), u, rnd(300)])
          break
        case 9: {
          // the session moved in time (its window with it)
          const d = (rnd(41) - 20) * 86400
          await db.query(`update app.sessions set starts_at = starts_at + make_interval(secs => $2), checkin_opens_at = checkin_opens_at + make_interval(secs => $2),
                           checkin_closes_at = checkin_closes_at + make_interval(secs => $2) where id = $1`, [s, d])
          break
        }
        case 10:
          await db.query(`update app.sessions set cancelled_at = case when cancelled_at is null then now() end, kind = $2, duration_minutes = $3 where id = $1`, [s, pick(['general_meeting', 'party_class', 'lecture']), 30 + rnd(90)])
          break
        default:
          await db.query('delete from app.memberships where id = (select id from app.memberships where user_id = $1 and ended_at is not null order by id limit 1)', [u])
      }
    }
    // a branch moved under another school: who is below the schools changes
    await db.query('update app.organisations set parent_id = $1 where id = $2', [ids.school2, ids.branchA2])
    expect(await factMismatches()).toEqual([])
    expect(await rollupMismatches()).toEqual([])
    expect(await tallyMismatches()).toEqual([])
    const from = await shanghaiDay(-300)
    const to = await shanghaiDay(60)
    expect(await reportMismatches(from, to)).toEqual([])
    expect(await summaryMismatches(ids.school1, ids.admin, from, to)).toEqual([])
    expect(await summaryMismatches(ids.school2, ids.admin, from, to)).toEqual([])
    for (const depth of [0, 1, 2, 3])
      expect(await levelMismatches(ids.bureau, ids.admin, from, to, depth)).toEqual([])
    expect(await levelMismatches(ids.school2, ids.admin, from, to, 1)).toEqual([])
    expect(await hoursMismatches(from, to, people.slice(0, 8), ids.school2, ids.admin)).toEqual([])
    // and the whole summary rebuilt from the rule is what the writes kept
    const before = (await db.query(`${KEPT_FACTS} order by session_id, user_id`)).rows
    const rollupBefore = (await db.query(`${ROLLUP_KEPT} order by org_id, session_id`)).rows
    await db.query('select app.attendance_rebuild()')
    expect((await db.query(`${KEPT_FACTS} order by session_id, user_id`)).rows).toEqual(before)
    expect((await db.query(`${ROLLUP_KEPT} order by org_id, session_id`)).rows).toEqual(rollupBefore)
  })
})

describe('a member moved or removed keeps the record of where they belonged', () => {
  it('a member moved to another branch keeps last term\'s attendance rate and 学时 unchanged in the report', async () => {
    const bx = await mkBranch(ids.school1, '调动测试甲支部')
    const by = await mkBranch(ids.school2, '调动测试乙支部')
    const t = await createUser(db, { name: '调动老师' })
    const membership = await join(bx, t, 400)
    // last term: four sessions of branch A (present at three), one of branch B; this term: one of
    // each; next week: one of each
    const lastA = [-100, -90, -80, -70].map(d => mkSession({ startDays: d, org: bx }))
    const a = await Promise.all(lastA)
    const lastB = await mkSession({ startDays: -75, org: by })
    for (const s of a.slice(0, 3)) await checkIn(s, t)
    const futureA = await mkSession({ startDays: 7, org: bx })
    const futureB = await mkSession({ startDays: 7, org: by })
    const from = await shanghaiDay(-120)
    const to = await shanghaiDay(-50)

    const reportA = () => as(db, ids.admin).rpc('report_org', { p_org_id: bx, p_from: from, p_to: to })
    const reportB = () => as(db, ids.admin).rpc('report_org', { p_org_id: by, p_from: from, p_to: to })
    const bureau = () => as(db, ids.admin).rpc('report_bureau', { p_from: from, p_to: to })
    const summaryA = () => as(db, ids.admin).rpc('attendance_summary', { p_org_id: bx, p_from: from, p_to: to })
    const summaryB = () => as(db, ids.admin).rpc('attendance_summary', { p_org_id: by, p_from: from, p_to: to })
    const mine = () => as(db, t).rpc('my_study_hours', { p_from: from, p_to: to })
    const hoursA = () => as(db, ids.admin).rpc('org_study_hours', { p_org_id: bx, p_from: from, p_to: to })
    const hoursB = () => as(db, ids.admin).rpc('org_study_hours', { p_org_id: by, p_from: from, p_to: to })
    const counts = (s: string) => db.query<{ c: any }>('select app.session_counts($1) as c', [s]).then(r => r.rows[0]!.c)
    const sheetHas = async (s: string) => ((await as(db, ids.admin).rpc('attendance_sheet', { p_session_id: s })).rows as any[]).some(r => r.user_id === t)

    const before = {
      reportA: await reportA(),
      reportB: await reportB(),
      bureau: await bureau(),
      summaryA: await summaryA(),
      summaryB: await summaryB(),
      mine: await mine(),
      hoursA: await hoursA(),
      hoursB: await hoursB(),
      countsA: await counts(a[0]!),
      countsB: await counts(lastB),
    }
    const row = (before.summaryA.members as any[]).find(m => m.user_id === t)
    expect(row).toMatchObject({ expected: 4, present: 3, absent: 1, rate: 0.75 })
    expect(before.mine).toMatchObject({ sessions: 3, session_minutes: 180 })
    expect(await sheetHas(futureA)).toBe(true)
    expect(await sheetHas(futureB)).toBe(false)

    const moved = await as(db, ids.admin).rpc('member_move', { p_membership_id: membership, p_to_org_id: by })

    // last term, everywhere, exactly as before: the old branch keeps the record, the new branch
    // does not gain absences at sessions held before the member came
    // (members: today's roster count, the one figure that follows the move)
    const record = (rep: any) => ({ ...rep, orgs: rep.orgs.map((o: any) => ({ ...o, members: null })) })
    const reportAfterA = await reportA()
    expect(record(reportAfterA)).toEqual(record(before.reportA))
    expect(reportAfterA.orgs[0].members).toBe(before.reportA.orgs[0].members - 1)
    expect(record(await reportB())).toEqual(record(before.reportB))
    expect(await summaryA()).toEqual(before.summaryA)
    expect(await summaryB()).toEqual(before.summaryB)
    expect(await mine()).toEqual(before.mine)
    expect(await hoursA()).toEqual({ ...before.hoursA, members: before.hoursA.members - 1 })
    expect(await hoursB()).toEqual({ ...before.hoursB, members: before.hoursB.members + 1 })
    const bureauAfter = await bureau()
    expect(record(bureauAfter)).toEqual(record(before.bureau))
    expect(await counts(a[0]!)).toEqual(before.countsA)
    expect(await counts(lastB)).toEqual(before.countsB)
    expect(await sheetHas(a[3]!)).toBe(true)
    expect(await sheetHas(lastB)).toBe(false)
    // from now on: expected in the new branch, no longer in the old one
    expect(await sheetHas(futureA)).toBe(false)
    expect(await sheetHas(futureB)).toBe(true)
    expect(await factMismatches()).toEqual([])
    expect(await tallyMismatches()).toEqual([])

    // removed from the new branch: the old record still stands
    await as(db, ids.admin).rpc('member_remove', { p_membership_id: moved.membership_id, p_reason: '调出' })
    expect(await summaryA()).toEqual(before.summaryA)
    expect(await mine()).toEqual(before.mine)
    expect(await sheetHas(futureB)).toBe(false)
    expect(await tallyMismatches()).toEqual([])
  })

  it('a member who joins is not expected at sessions held before they came, nor counted absent there', async () => {
    const by = await mkBranch(ids.school2, '新进测试支部')
    const s = await mkSession({ startDays: -30, org: by })
    const n = await createUser(db)
    await join(by, n, 10)
    expect((await db.query('select app.is_expected($1, $2) as e', [s, n])).rows[0].e).toBe(false)
    const sum = await as(db, ids.admin).rpc('attendance_summary', { p_org_id: by, p_from: await shanghaiDay(-40), p_to: await shanghaiDay(0) })
    expect((sum.members as any[]).some(m => m.user_id === n)).toBe(false)
    const later = await mkSession({ startDays: 3, org: by })
    expect((await db.query('select app.is_expected($1, $2) as e', [later, n])).rows[0].e).toBe(true)
  })

  it('the roster screens show open memberships only', async () => {
    const n = await createUser(db, { name: '离任老师' })
    const m = await join(ids.branchB, n, 50)
    await as(db, ids.secretaryB).rpc('member_remove', { p_membership_id: m, p_reason: '退休' })
    const roster = await as(db, ids.secretaryB).rpc('roster', { p_org_id: ids.branchB })
    expect(JSON.stringify(roster)).not.toContain(n)
  })
})
