import type { BenchContext } from './context'
// Section: attendance and 学时 from the summary (app.attendance_facts, #15 / #16.5). A county —
// 20 schools × 4 branches, 5,000 members who joined two years ago, 12 branch sessions a year and
// 4 county-wide ones, about 80% present — loaded in bulk with triggers off and then summarised
// once by app.attendance_rebuild() (as any bulk load must). Timed through supabase-js over HTTP:
// the bureau report, the county attendance summary, the county's and one member's 学时; in the
// engine: a member moved (the summary rows it rewrites) and a check-in (one summary row).
// Ids in the a7a7a7a7-… range. `npm run bench:api -- attendance` runs it alone.
import { randomUUID } from 'node:crypto'
import { time, tokenFor as token } from './context'

const BUREAU = '00000000-0000-4000-8000-000000000001'
const ADMIN = '00000000-0000-4000-a000-000000000001'
const SCHOOLS = 20
const PER_SCHOOL = 4
const MEMBERS = 5000

const school = (s: string) => `('a7a7a7a7-0000-4000-8000-1' || lpad((${s})::text, 11, '0'))::uuid`
const branch = (b: string) => `('a7a7a7a7-0000-4000-8000-2' || lpad((${b})::text, 11, '0'))::uuid`
const user = (u: string) => `('a7a7a7a7-0000-4000-a000-' || lpad((${u})::text, 12, '0'))::uuid`

async function seed(ctx: BenchContext): Promise<Record<string, number>> {
  const t0 = performance.now()
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name)
    select ${school('s')}, '${BUREAU}', 'committee', '考勤基准学校' || s || '党委' from generate_series(1, ${SCHOOLS}) s;
    insert into app.organisations (id, parent_id, kind, name)
    select ${branch(`s * 10 + b`)}, ${school('s')}, 'branch', '考勤基准学校' || s || '第' || b || '支部'
      from generate_series(1, ${SCHOOLS}) s, generate_series(1, ${PER_SCHOOL}) b;
    create temp table att_branches as
      select id, row_number() over (order by id) - 1 as i from app.organisations where id::text like 'a7a7a7a7-0000-4000-8000-2%';
    set session_replication_role = replica;
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${user('u')}, 'authenticated', 'authenticated', 'bench-att-' || u || '@example.com',
           jsonb_build_object('display_name', '考勤党员' || u), now(), now()
      from generate_series(1, ${MEMBERS}) u;
    insert into app.profiles (user_id, display_name) select ${user('u')}, '考勤党员' || u from generate_series(1, ${MEMBERS}) u
    on conflict do nothing;
    insert into app.memberships (org_id, user_id, role, joined_at)
    select b.id, ${user('u')}, 'member', now() - interval '2 years'
      from generate_series(1, ${MEMBERS}) u join att_branches b on b.i = u % ${SCHOOLS * PER_SCHOOL};
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    select ('a7a7a7a7-0000-4000-d000-' || lpad((b.i * 100 + m)::text, 12, '0'))::uuid, b.id,
           (array['party_class', 'general_meeting', 'group_meeting', 'lecture'])[1 + m % 4], '考勤基准' || m,
           now() - m * interval '28 days', 90, '${ADMIN}', now() - m * interval '28 days' - interval '30 minutes',
           now() - m * interval '28 days' + interval '60 minutes', '${ADMIN}'
      from att_branches b, generate_series(1, 12) m;
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    select ('a7a7a7a7-0000-4000-e000-' || lpad(q::text, 12, '0'))::uuid, '${BUREAU}', 'report', '考勤全县报告会' || q,
           now() - q * interval '85 days', 120, '${ADMIN}', now() - q * interval '85 days' - interval '30 minutes',
           now() - q * interval '85 days' + interval '60 minutes', '${ADMIN}'
      from generate_series(1, 4) q;
    insert into app.session_orgs (session_id, org_id)
    select s.id, s.org_id from app.sessions s where s.title like '考勤%';
    insert into app.checkins (id, session_id, user_id, status, method, checked_at)
    select gen_random_uuid(), s.id, m.user_id,
           case when (hashtext(m.user_id::text || s.id::text) & 7) = 0 then 'late' else 'present' end, 'code', s.starts_at
      from app.sessions s
      join app.organisations o on o.path @> array[s.org_id]
      join app.memberships m on m.org_id = o.id
     where s.title like '考勤%' and m.user_id::text like 'a7a7a7a7-%' and (hashtext(s.id::text || m.user_id::text) & 15) < 13;
    insert into app.leave_requests (id, session_id, user_id, reason, status, decided_by, decided_at, created_at)
    select gen_random_uuid(), s.id, m.user_id, '外出', 'approved', '${ADMIN}', s.starts_at - interval '1 day', s.starts_at - interval '2 days'
      from app.sessions s
      join app.organisations o on o.path @> array[s.org_id]
      join app.memberships m on m.org_id = o.id
     where s.title like '考勤%' and m.user_id::text like 'a7a7a7a7-%' and (hashtext(s.id::text || m.user_id::text) & 15) = 13;
    set session_replication_role = origin;
  `)
  // the bulk load skipped every trigger: the summary and the counters once, from the rule
  await ctx.db.exec(`
    select app.org_reach_rebuild();
    select app.org_member_counts_rebuild();
    select app.attendance_rebuild();
    insert into app.session_tallies (session_id) select s.id from app.sessions s where s.title like '考勤%' on conflict do nothing;
    update app.session_tallies t set expected = (r ->> 'expected')::int, present = (r ->> 'present')::int, late = (r ->> 'late')::int,
           excused = (r ->> 'excused')::int, absent = (r ->> 'absent')::int, pending_leave = (r ->> 'pending_leave')::int
      from app.sessions s cross join lateral app.session_recount(s.id) r
     where s.title like '考勤%' and t.session_id = s.id;
    analyze;
  `)
  const { rows } = await ctx.db.query<Record<string, number>>(`select
    (select count(*) from app.sessions where title like '考勤%')::int as sessions,
    (select count(*) from app.checkins c join app.sessions s on s.id = c.session_id where s.title like '考勤%')::int as checkins,
    (select count(*) from app.attendance_facts)::int as "summary rows"`)
  return { ...rows[0]!, 'seed s': Math.round((performance.now() - t0) / 100) / 10 }
}

export async function run(ctx: BenchContext): Promise<void> {
  ctx.report('attendance: seeded county', [await seed(ctx)])
  const { rows: jit } = await ctx.db.query<{ jit: string }>('show jit')
  const admin = ctx.client(await token(ctx, ADMIN))
  const member = `a7a7a7a7-0000-4000-a000-${'7'.padStart(12, '0')}`
  const me = ctx.client(await token(ctx, member))
  const to = new Date().toISOString().slice(0, 10)
  const from = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)
  const n = Math.min(ctx.n, Number(process.env.BENCH_ATTENDANCE_N) || 5)
  const rows: Record<string, string | number>[] = []
  const call = async (label: string, client: typeof admin, fn: string, args: Record<string, unknown>) => {
    let bytes = 0
    const t = await time(n, async () => {
      const { data, error } = await client.rpc(fn, args)
      if (error)
        throw new Error(`${fn}: ${error.message}`)
      bytes = JSON.stringify(data).length
    })
    rows.push({ 'call': label, 'KB json': Math.round(bytes / 1024), 'ms/call': t.perCallMs.toFixed(0), 'p95 ms': t.p95Ms.toFixed(0) })
  }
  await call('report_bureau (county, a year)', admin, 'report_bureau', { p_from: from, p_to: to })
  await call('attendance_summary (county, a year)', admin, 'attendance_summary', { p_org_id: BUREAU, p_from: from, p_to: to })
  await call('attendance_summary, the screen (county, a year, one level)', admin, 'attendance_summary', { p_org_id: BUREAU, p_from: from, p_to: to, p_depth: 1 })
  await call('org_study_hours (county, a year)', admin, 'org_study_hours', { p_org_id: BUREAU, p_from: from, p_to: to })
  await call('my_study_hours (a member, a year)', me, 'my_study_hours', { p_from: from, p_to: to })
  ctx.report(`attendance: through supabase-js over HTTP × ${n} (server jit = ${jit[0]!.jit}; report_data runs with jit off)`, rows)

  // in the engine: what the writes pay to keep the summary
  const engine: Record<string, string | number>[] = []
  const { rows: ms } = await ctx.db.query<{ id: string }>(
    `select id from app.memberships where user_id = $1 and ended_at is null`,
    [member],
  )
  const target = (await ctx.db.query<{ id: string }>(`select ${branch('2 * 10 + 1')} as id`)).rows[0]!.id
  let t = performance.now()
  await ctx.db.transaction(async (tx) => {
    await tx.query(`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`, [JSON.stringify({ sub: ADMIN, role: 'authenticated' })])
    await tx.query('select public.member_move($1, $2)', [ms[0]!.id, target])
  })
  engine.push({ write: 'member_move (refreshes that member\'s rows at every session of both paths)', ms: (performance.now() - t).toFixed(1) })
  const session = randomUUID()
  await ctx.db.query(`
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    values ($1, $2, 'report', '考勤基准：签到', now() + interval '10 minutes', 60, $3, now() - interval '20 minutes', now() + interval '40 minutes', $3)`, [session, BUREAU, ADMIN])
  t = performance.now()
  await ctx.db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [session, BUREAU])
  engine.push({ write: 'a county-wide session\'s expected list (every member\'s row made)', ms: (performance.now() - t).toFixed(1) })
  const users = (await ctx.db.query<{ u: string }>(`select ${user('u')}::text as u from generate_series(100, 399) u`)).rows.map(r => r.u)
  t = performance.now()
  for (const u of users)
    await ctx.db.query(`insert into app.checkins (id, session_id, user_id, status, method) values ($1, $2, $3, 'present', 'code')`, [randomUUID(), session, u])
  engine.push({ write: 'a check-in row at a county-wide session (one summary row updated), mean of 300', ms: ((performance.now() - t) / users.length).toFixed(2) })
  const { rows: check } = await ctx.db.query<{ n: number }>(
    `select count(*)::int as n from app.attendance_facts where session_id = $1 and checkin_status = 'present'`,
    [session],
  )
  engine.push({ write: 'summary rows present after the 300 check-ins', ms: check[0]!.n })
  ctx.report('attendance: keeping the summary, in the engine', engine)
}
