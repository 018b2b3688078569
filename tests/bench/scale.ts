// Section: county size and province size side by side. A "province" of ten counties under a
// province committee of its own below the bureau (the top view, apart from the other sections'
// members), each county 125 branches of 40 members (5,000), with a bureau plan of 50 readings ×
// 10 sections. The calls a member and a manager make are timed over HTTP with one county loaded,
// then again with all ten (50,000 members), and printed with the ratio. The manager's own view is
// the same organisation at both sizes (a branch, the county); "top view" is the province committee,
// holding one county at county size and ten at province size — the issue's "province size ≤ 1.5×
// county" for a screen. Runs after the other sections (tests/bench/api.ts).
//
// Activity: every member has read the first (n mod 6) readings of the plan, 25 ticks on average —
// a tenth of the readings section's county (which keeps 2.5 M ticks): 2.5 M ticks with their
// foreign-key checks take six minutes to insert on a shared 2-core machine, 25 M most of an hour,
// and no call here reads the ticks. Members joined over a year ago; each branch has two meetings
// in the last month and each county a report, about 80% checked in. Loading is set-based: each
// county's rows go in with triggers off and the project's refresh functions then write what those
// triggers would have (county()); checkEquivalence proves it on a small county before the load.
// PostgreSQL only in practice (`DATABASE_URL`).
// BENCH_SCALE_COUNTIES (default 10) changes the province.
import type { Queryable } from '../../supabase/local/db'
import type { BenchContext } from './context'
import { loadavg } from 'node:os'
import { time, verdict } from './context'

const BUREAU = '00000000-0000-4000-8000-000000000001'
// the counties' own root under the bureau: the top view, apart from the other sections' members
const PROVINCE = 'cccccccc-0000-4000-8200-000000000001'
const PLAN = 'cccccccc-0000-4000-9300-000000000001'
const COUNTIES = Number(process.env.BENCH_SCALE_COUNTIES) || 10
const BRANCHES = 125
const PER_BRANCH = 40
const PER_COUNTY = BRANCHES * PER_BRANCH
const READINGS = 50
const SECTIONS = 10
// member u has read every section of the plan's first u mod 6 readings (25 ticks on average)
const READ_UP_TO = 5

const countyId = (c: number | string) => `('cccccccc-0000-4000-8100-' || lpad((${c})::text, 12, '0'))::uuid`
const branchId = (b: string) => `('cccccccc-0000-4000-8000-' || lpad((${b})::text, 12, '0'))::uuid`
const userId = (u: string) => `('cccccccc-0000-4000-a000-' || lpad((${u})::text, 12, '0'))::uuid`
const sessionId = (n: string) => `('cccccccc-0000-4000-d000-' || lpad((${n})::text, 12, '0'))::uuid`
const membershipId = (u: string) => `('cccccccc-0000-4000-e000-' || lpad((${u})::text, 12, '0'))::uuid`
const readingId = (r: string) => `('cccccccc-0000-4000-9100-' || lpad((${r})::text, 12, '0'))::uuid`
const uuidOf = (kind: string, n: number) => `cccccccc-0000-4000-${kind}-${String(n).padStart(12, '0')}`

async function content(ctx: BenchContext) {
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name, sort_order) values ('${PROVINCE}', '${BUREAU}', 'committee', '规模省', 500);
    insert into app.readings (id, org_id, title)
    select ${readingId('r')}, '${BUREAU}', '规模材料' || r from generate_series(1, ${READINGS}) r;
    insert into app.reading_sections (reading_id, position, title, body_md)
    select ${readingId('r')}, s, '第' || s || '节', '正文' from generate_series(1, ${READINGS}) r, generate_series(1, ${SECTIONS}) s;
    insert into app.study_plans (id, org_id, title, due_on) values ('${PLAN}', '${BUREAU}', '规模计划', current_date + 3);
    insert into app.plan_readings (plan_id, reading_id, position)
    select '${PLAN}', ${readingId('r')}, r from generate_series(1, ${READINGS}) r;
  `)
}

interface Shape { branches: number, perBranch: number }
const FULL: Shape = { branches: BRANCHES, perBranch: PER_BRANCH }
/** 'triggers': every row through its triggers (the reference); 'bulk': set-based, see county(). */
type Mode = 'triggers' | 'bulk'

/**
 * County c's rows (organisations, accounts, memberships, ticks, two branch meetings and a county
 * report, check-ins), written in the order the app would write them. With mode 'bulk' they go in
 * with triggers off, and the derived rows those triggers keep are then written by the project's own
 * refresh functions, for exactly these members, organisations and sessions: the same database
 * (checkEquivalence compares both ways on a small county). Through the triggers a county took
 * 36–112 s, growing with each county (every statement-level refresh re-planned over the province).
 */
async function county(tx: Queryable, c: number, organiser: string, mode: Mode, shape: Shape = FULL): Promise<string> {
  const b0 = (c - 1) * BRANCHES + 1
  const b1 = b0 + shape.branches - 1
  const u0 = (c - 1) * PER_COUNTY + 1
  const u1 = u0 + shape.branches * shape.perBranch - 1
  const branchOf = `${b0} + (u - ${u0}) / ${shape.perBranch}`
  const bulk = mode === 'bulk'
  const steps: string[] = []
  let t = performance.now()
  const step = (name: string) => {
    steps.push(`${name} ${((performance.now() - t) / 1000).toFixed(1)} s`)
    t = performance.now()
  }
  const newSessions = `select s.id from app.sessions s where s.id = ${sessionId(`${c} + 900000`)} or s.org_id in (select o.id from app.organisations o where o.parent_id = ${countyId(c)})`
  const users = `array(select ${userId('u')} from generate_series(${u0}, ${u1}) u)`
  const branches = `array(select ${branchId('b')} from generate_series(${b0}, ${b1}) b)`
  if (bulk)
    await tx.exec(`set local session_replication_role = replica`)
  // with triggers off the path (organisations_path) and the profile (handle_new_user) are written as those triggers write them
  await tx.exec(`
    insert into app.organisations (id, parent_id, kind, name, sort_order${bulk ? ', path' : ''})
    select ${countyId(c)}, p.id, 'committee', '规模县' || ${c}, 500 + ${c}${bulk ? `, p.path || ${countyId(c)}` : ''}
      from app.organisations p where p.id = '${PROVINCE}';
    insert into app.organisations (id, parent_id, kind, name, sort_order${bulk ? ', path' : ''})
    select ${branchId('b')}, p.id, 'branch', '规模支部' || b, 1000 + b${bulk ? `, p.path || ${branchId('b')}` : ''}
      from app.organisations p, generate_series(${b0}, ${b1}) b where p.id = ${countyId(c)};
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${userId('u')}, 'authenticated', 'authenticated', 'bench-province-' || u || '@example.com',
           jsonb_build_object('display_name', '党员' || u), now(), now()
      from generate_series(${u0}, ${u1}) u;
    ${bulk
      ? `insert into app.profiles (user_id, display_name, school, position)
         select ${userId('u')}, '党员' || u, '', '' from generate_series(${u0}, ${u1}) u;
         insert into app.profile_contacts (user_id, phone) select ${userId('u')}, null from generate_series(${u0}, ${u1}) u;`
      : ''}
    -- members for over a year, so that they were expected at the month's meetings (app.session_members)
    insert into app.memberships (id, org_id, user_id, role, joined_at)
    select ${membershipId('u')}, ${branchId(branchOf)}, ${userId('u')}, 'member', now() - interval '400 days'
      from generate_series(${u0}, ${u1}) u;
  `)
  step('organisations, accounts, memberships')
  await tx.exec(`
    insert into app.section_ticks (user_id, section_id, read_at)
    select ${userId('u')}, s.id, now() - (u % 30) * interval '1 day'
      from generate_series(${u0}, ${u1}) u
      join app.plan_readings pr on pr.plan_id = '${PLAN}' and pr.position <= u % ${READ_UP_TO + 1}
      join app.reading_sections s on s.reading_id = pr.reading_id;
  `)
  step('ticks')
  // two branch meetings in the last month per branch and one county-wide report, about 80% present
  await tx.exec(`
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    select ${sessionId('b * 2 + k')}, ${branchId('b')}, 'general_meeting', '规模支部会' || k,
           now() - (k * 12 + b % 7) * interval '1 day', 90, '${organiser}', now() - (k * 12 + b % 7) * interval '1 day' - interval '30 minutes',
           now() - (k * 12 + b % 7) * interval '1 day' + interval '60 minutes', '${organiser}'
      from generate_series(${b0}, ${b1}) b, generate_series(0, 1) k;
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    values (${sessionId(`${c} + 900000`)}, ${countyId(c)}, 'report', '规模县报告会', now() - interval '20 days', 120, '${organiser}',
            now() - interval '20 days' - interval '30 minutes', now() - interval '20 days' + interval '60 minutes', '${organiser}');
    ${bulk
      ? `insert into app.session_secrets (session_id) ${newSessions};
         insert into app.session_tallies (session_id) ${newSessions};`
      : ''}
    insert into app.session_orgs (session_id, org_id) select s.id, s.org_id from app.sessions s where s.id in (${newSessions});
    insert into app.checkins (id, session_id, user_id, status, method, checked_at)
    select md5(s.id::text || m.user_id::text)::uuid, s.id, m.user_id,
           case when (hashtext(m.user_id::text || s.id::text) & 7) = 0 then 'late' else 'present' end, 'code', s.starts_at
      from app.sessions s
      join app.organisations o on o.path @> array[s.org_id]
      join app.memberships m on m.org_id = o.id and m.ended_at is null
     where s.id in (${newSessions}) and (hashtext(s.id::text || m.user_id::text) & 15) < 13;
  `)
  step('sessions, check-ins')
  if (!bulk)
    return steps.join(', ')
  await tx.exec(`
    -- section_ticks_count_insert: the per-reading counts (their own summaries are refreshed below)
    insert into app.reading_progress (user_id, reading_id, done)
    select t.user_id, s.reading_id, count(*)::int
      from app.section_ticks t join app.reading_sections s on s.id = t.section_id
     where t.user_id = any (${users})
     group by t.user_id, s.reading_id;
    set local session_replication_role = origin;
    -- memberships_org_reach and organisations_org_reach: the new members, and those at the organisations above
    select app.org_reach_refresh(${users} || array(
      select distinct m.user_id from app.memberships m
        join app.organisations o on o.id = ${countyId(c)} and m.org_id = any (o.path)
       where m.ended_at is null));
    -- memberships_member_counts
    select app.org_member_counts_apply((select jsonb_object_agg(m.org_id, m.n) from (
      select m.org_id, count(*) as n from app.memberships m where m.user_id = any (${users}) and m.ended_at is null group by 1) m));
  `)
  step('org reach, member counts')
  // memberships_progress_summaries (the ticks' reading_progress_summaries come to the same members' rows)
  await tx.exec(`select app.progress_refresh(null, ${users})`)
  step('progress summaries')
  await tx.exec(`
    -- sessions_tally and checkins_tally: the new sessions' counts; memberships_tally and
    -- session_links_tally: the expected count of every session the new memberships count at
    update app.session_tallies t
       set present = (r.c ->> 'present')::int, late = (r.c ->> 'late')::int, excused = (r.c ->> 'excused')::int,
           absent = (r.c ->> 'absent')::int, pending_leave = (r.c ->> 'pending_leave')::int
      from (select s.id, app.session_recount(s.id) as c from (${newSessions}) s) r
     where t.session_id = r.id;
    select app.tally_expected(app.sessions_expecting(${branches}));
    -- session_orgs_attendance_facts (with the check-ins' statuses) and memberships_attendance_facts
    select app.attendance_refresh(array(${newSessions}), null);
    select app.attendance_refresh(array(select x from unnest(app.sessions_expecting(${branches})) x
                                         where x not in (${newSessions})), ${users});
    -- sessions_inbox and session_orgs_inbox: those not yet over are announced to whoever is expected
    select app.inbox_session_scheduled(s.id) from (${newSessions}) s;
  `)
  step('session tallies, attendance facts, inbox')
  // section_ticks_report (the org reach and membership parts of the report follow from the refreshes above)
  await tx.exec(`select app.report_refresh(${users})`)
  step('report facts')
  return steps.join(', ')
}

/**
 * A small county loaded through every trigger and then set-based, in one transaction rolled back:
 * every table of schema app (but columns filled from a sequence or at random) must come out the
 * same, row for row. Guards county() against a trigger added later and forgotten here.
 */
async function checkEquivalence(ctx: BenchContext, organiser: string): Promise<void> {
  const c = COUNTIES + 1
  const shape = { branches: 3, perBranch: 5 }
  const tables = (await ctx.db.query<{ t: string, cols: string }>(`
    select c.table_name as t, string_agg(quote_ident(c.column_name), ', ' order by c.ordinal_position) as cols
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.table_schema = 'app' and c.is_identity = 'NO' and coalesce(c.column_default, '') !~ 'nextval|random'
     group by c.table_name order by c.table_name`)).rows
  const snapshot = `${tables.map(x => `select '${x.t}' as t, count(*)::int as n,
    coalesce(sum(hashtextextended(row(${x.cols})::text, 0)::numeric), 0)::text as h from app.${x.t}`).join(' union all ')}`
  // both ways in one transaction (the same now()), each undone; 'rows' names tables to list row by row
  const bothWays = (rows: string[]) => ctx.db.transaction(async (tx) => {
    const load = async (mode: Mode) => {
      await tx.exec('savepoint way')
      await county(tx, c, organiser, mode, shape)
      // the deferred triggers (tally folds, inbox) as at commit
      await tx.exec('set constraints all immediate')
      const sums = (await tx.query<{ t: string, n: number, h: string }>(snapshot)).rows
      const listed = new Map<string, Set<string>>()
      for (const t of rows) {
        const cols = tables.find(x => x.t === t)!.cols
        listed.set(t, new Set((await tx.query<{ r: string }>(`select row(${cols})::text as r from app.${t}`)).rows.map(x => x.r)))
      }
      await tx.exec('rollback to savepoint way')
      return { sums: new Map(sums.map(r => [r.t, `${r.n} rows, ${r.h}`])), listed }
    }
    return { triggers: await load('triggers'), bulk: await load('bulk') }
  })
  const { triggers, bulk } = await bothWays([])
  const differing = [...triggers.sums.keys()].filter(t => bulk.sums.get(t) !== triggers.sums.get(t))
  if (differing.length) {
    const again = await bothWays(differing)
    const only = (a: Set<string>, b: Set<string>) => [...a].filter(r => !b.has(r)).slice(0, 5)
    throw new Error(`scale: the set-based load differs from the triggers':\n${differing.map(t =>
      `${t}: ${triggers.sums.get(t)} through triggers, ${bulk.sums.get(t)} set-based; only through triggers: ${
        only(again.triggers.listed.get(t)!, again.bulk.listed.get(t)!).join(' ')}; only set-based: ${
        only(again.bulk.listed.get(t)!, again.triggers.listed.get(t)!).join(' ')}`).join('\n')}`)
  }
  console.log(`scale: a county of ${shape.branches * shape.perBranch} members loaded set-based equals the same through its triggers (${tables.length} tables of app compared)`)
}

// vacuumed as well as analysed: otherwise autovacuum works through the freshly loaded tables
// while the calls are timed, and index-only scans still visit the heap
async function analyze(ctx: BenchContext) {
  const tables = ['attendance_facts', 'attendance_org_sessions', 'section_ticks', 'reading_progress', 'memberships', 'organisations', 'plan_org_member', 'plan_member_progress', 'plan_org_progress', 'org_reach', 'profiles', 'sessions', 'session_orgs', 'checkins', 'session_tallies', 'report_user_facts', 'report_org_facts', 'report_user_reach', 'inbox_items']
  for (const t of tables)
    await ctx.db.exec(`vacuum (analyze) app.${t}`)
}

interface Call { name: string, who: string, fn: () => Promise<unknown>, n?: number }

export async function run(ctx: BenchContext): Promise<void> {
  if (ctx.db.kind !== 'postgres')
    console.log('scale: on PGlite this section takes hours; set DATABASE_URL to a PostgreSQL server')
  const started = performance.now()
  await content(ctx)
  const secretary = await ctx.newUser({ display_name: '规模书记' })
  const countyHead = await ctx.newUser({ display_name: '规模县委' })
  const admin = await ctx.newUser({ display_name: '规模管理员' })
  await checkEquivalence(ctx, admin.id)
  const t0 = performance.now()
  console.log(`scale: county 1 loaded (${await ctx.db.transaction(tx => county(tx, 1, admin.id, 'bulk'))})`)
  await ctx.db.exec(`insert into app.memberships (org_id, user_id, role) values
    (${branchId('1')}, '${secretary.id}', 'secretary'), (${countyId(1)}, '${countyHead.id}', 'secretary'), ('${BUREAU}', '${admin.id}', 'admin')`)
  await analyze(ctx)
  const countyLoadMs = performance.now() - t0
  // a member of the first branch with the same activity, signed in through the API
  const teacherUser = await ctx.newUser({ display_name: '规模教师' })
  await ctx.db.exec(`insert into app.memberships (org_id, user_id, role) values (${branchId('1')}, '${teacherUser.id}', 'member');
    insert into app.section_ticks (user_id, section_id)
    select '${teacherUser.id}', s.id from app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
     where pr.plan_id = '${PLAN}'`)
  const teacher = teacherUser.client
  const section = (await ctx.db.query<{ id: string }>(`select s.id from app.reading_sections s where s.reading_id = ${readingId('1')} and s.position = 1`)).rows[0]!.id

  const rpc = (c: { rpc: (fn: string, args?: Record<string, unknown>) => PromiseLike<{ data: any, error: any }> }, fn: string, args: Record<string, unknown> = {}) => async () => {
    // after a long load a kept-alive socket may have been closed under the client: one retry
    for (let attempt = 0; ; attempt++) {
      const { data, error } = await c.rpc(fn, args)
      if (!error)
        return data
      if (attempt > 0 || !/fetch failed|other side closed|ECONNRESET/i.test(error.message))
        throw new Error(`${fn}: ${error.message}`)
    }
  }
  let tickOn = false
  let page2Cursor: unknown = null
  const n = Math.max(5, Math.min(30, Math.round(ctx.n / 10)))
  const today = new Date().toISOString().slice(0, 10)
  const monthAgo = new Date(Date.now() - 30 * 86400e3).toISOString().slice(0, 10)
  const yearAgo = new Date(Date.now() - 365 * 86400e3).toISOString().slice(0, 10)
  const calls = (top: string): Call[] => [
    { who: 'member', name: 'home_summary', fn: rpc(teacher, 'home_summary') },
    { who: 'member', name: 'plan_list', fn: rpc(teacher, 'plan_list') },
    { who: 'member', name: 'plan_detail', fn: rpc(teacher, 'plan_detail', { p_plan_id: PLAN }) },
    { who: 'member', name: 'section_tick (tick / untick)', fn: async () => {
      tickOn = !tickOn
      return rpc(teacher, 'section_tick', { p_section_id: section, p_read: !tickOn })()
    } },
    { who: 'branch secretary', name: 'plan_progress, first page (branch of 40)', fn: rpc(secretary.client, 'plan_progress', { p_plan_id: PLAN }) },
    { who: 'branch secretary', name: 'roster, first page (branch)', fn: rpc(secretary.client, 'roster', { p_org_id: uuidOf('8000', 1) }) },
    { who: 'county secretary', name: 'plan_progress, first page (county, 5,000)', fn: async () => {
      const d = await rpc(countyHead.client, 'plan_progress', { p_plan_id: PLAN, p_org_id: uuidOf('8100', 1) })() as { next: unknown }
      page2Cursor = d.next
      return d
    } },
    { who: 'county secretary', name: 'plan_progress, second page (county)', fn: () => rpc(countyHead.client, 'plan_progress', { p_plan_id: PLAN, p_org_id: uuidOf('8100', 1), p_after: page2Cursor })() },
    { who: 'county secretary', name: 'roster, first page (county)', fn: rpc(countyHead.client, 'roster', { p_org_id: uuidOf('8100', 1) }) },
    { who: 'admin', name: `plan_progress, first page, top view (${top})`, fn: rpc(admin.client, 'plan_progress', { p_plan_id: PLAN, p_org_id: PROVINCE }) },
    { who: 'admin', name: `roster, first page, top view (${top})`, fn: rpc(admin.client, 'roster', { p_org_id: PROVINCE }) },
    { who: 'member', name: 'my_context', fn: rpc(teacher, 'my_context') },
    { who: 'member', name: 'my_sessions (past)', fn: rpc(teacher, 'my_sessions', { p_scope: 'past' }) },
    { who: 'member', name: 'my_study_hours (year)', fn: rpc(teacher, 'my_study_hours', { p_from: yearAgo, p_to: today }) },
    { who: 'member', name: 'topic_list', fn: rpc(teacher, 'topic_list') },
    { who: 'member', name: 'inbox_list', fn: rpc(teacher, 'inbox_list') },
    // the report and rates screens ask for their organisation and one level below (p_depth 1); the export for every level
    { who: 'branch secretary', name: 'attendance_summary (branch, 30 days)', fn: rpc(secretary.client, 'attendance_summary', { p_org_id: uuidOf('8000', 1), p_from: monthAgo, p_to: today, p_depth: 1 }) },
    { who: 'branch secretary', name: 'report_org (branch, year)', n: 3, fn: rpc(secretary.client, 'report_org', { p_org_id: uuidOf('8000', 1), p_from: yearAgo, p_to: today, p_depth: 1 }) },
    { who: 'county secretary', name: 'attendance_summary (county, 30 days)', n: 3, fn: rpc(countyHead.client, 'attendance_summary', { p_org_id: uuidOf('8100', 1), p_from: monthAgo, p_to: today, p_depth: 1 }) },
    { who: 'county secretary', name: 'report_org (county, year)', n: 3, fn: rpc(countyHead.client, 'report_org', { p_org_id: uuidOf('8100', 1), p_from: yearAgo, p_to: today, p_depth: 1 }) },
    { who: 'admin', name: 'org_tree', fn: rpc(admin.client, 'org_tree') },
    { who: 'admin', name: `attendance_summary, top view (${top}, 30 days)`, n: 2, fn: rpc(admin.client, 'attendance_summary', { p_org_id: PROVINCE, p_from: monthAgo, p_to: today, p_depth: 1 }) },
    { who: 'admin', name: `attendance_summary export, first 500 members, top view (${top}, 30 days)`, n: 2, fn: rpc(admin.client, 'attendance_summary', { p_org_id: PROVINCE, p_from: monthAgo, p_to: today, p_limit: 500 }) },
    { who: 'admin', name: `report_org, top view (${top}, year)`, n: 2, fn: rpc(admin.client, 'report_org', { p_org_id: PROVINCE, p_from: yearAgo, p_to: today, p_depth: 1 }) },
    { who: 'admin', name: `report_org export, every level, top view (${top}, year)`, n: 2, fn: rpc(admin.client, 'report_org', { p_org_id: PROVINCE, p_from: yearAgo, p_to: today }) },
  ]
  const measure = async (top: string) => {
    const out = new Map<string, { ms: number, p95: number, error?: string }>()
    for (const c of calls(top)) {
      const key = `${c.who}|${c.name.replace(/, top view.*$/, ', top view')}`
      // a call that fails (e.g. the 8 s statement timeout at province size) is printed, not fatal
      try {
        const r = await time(c.n ?? n, c.fn)
        out.set(key, { ms: r.perCallMs, p95: r.p95Ms })
      }
      catch (e) {
        out.set(key, { ms: Number.NaN, p95: Number.NaN, error: (e as Error).message.slice(0, 60) })
      }
    }
    return out
  }
  // a county's first page must be what it is: the view's size and a page of members
  const first = await rpc(countyHead.client, 'plan_progress', { p_plan_id: PLAN, p_org_id: uuidOf('8100', 1) })() as { member_count: number, members: unknown[], total: number }
  if (first.member_count < PER_COUNTY || first.total !== READINGS * SECTIONS || !first.members.length)
    throw new Error(`unexpected county view: ${first.member_count} members, ${first.total} sections`)
  const bytesCounty = JSON.stringify(first).length
  const loadCounty = loadavg()
  const atCounty = await measure('county')

  const t1 = performance.now()
  for (let c = 2; c <= COUNTIES; c++) {
    const steps = await ctx.db.transaction(tx => county(tx, c, admin.id, 'bulk'))
    console.log(`scale: county ${c}/${COUNTIES} loaded (${steps}; ${((performance.now() - t1) / 1000).toFixed(0)} s so far)`)
  }
  await analyze(ctx)
  const provinceLoadMs = performance.now() - t1
  const ticks = (await ctx.db.query<{ n: number }>(`select count(*)::int as n from app.section_ticks`)).rows[0]!.n
  const top = await rpc(admin.client, 'plan_progress', { p_plan_id: PLAN, p_org_id: PROVINCE })() as { member_count: number }
  const loadProvince = loadavg()
  const atProvince = await measure('province')

  const rows: Record<string, string | number>[] = []
  for (const [key, c] of atCounty) {
    const p = atProvince.get(key)!
    const [who, name] = key.split('|')
    rows.push({ 'who': who!, 'call': name!, 'county ms': c.error ?? c.ms.toFixed(1), 'province ms': p.error ?? p.ms.toFixed(1), 'province/county': (p.ms / c.ms).toFixed(2), 'province p95': p.p95.toFixed(1) })
  }
  ctx.report(`scale: calls over HTTP at county size (${PER_COUNTY.toLocaleString('en')} members) and province size (${(COUNTIES * PER_COUNTY).toLocaleString('en')} members, ${ticks.toLocaleString('en')} ticks; top view ${top.member_count.toLocaleString('en')} members), ms per call`, rows)
  // the issue's screen target: any progress, attendance or report screen at province size ≤ 1.5× county
  // (the spreadsheet export of every level is printed above, not a screen)
  for (const [key, c] of atCounty) {
    const [who, name] = key.split('|')
    if (!/plan_progress|attendance_summary|report_/.test(name!) || /export/.test(name!))
      continue
    const p = atProvince.get(key)!
    verdict(`${who} ${name}, province / county`, `${(p.ms / c.ms).toFixed(2)}× (${p.error ?? p.ms.toFixed(1)} / ${c.error ?? c.ms.toFixed(1)} ms)`, '≤ 1.5×', p.ms / c.ms <= 1.5)
  }
  const la = (l: number[]) => l.map(x => x.toFixed(2)).join(' / ')
  console.log(`load average (1 / 5 / 15 min) on the shared machine: ${la(loadCounty)} before the county calls, ${la(loadProvince)} before the province calls, ${la(loadavg())} after`)
  console.log(`county plan_progress first page: ${(bytesCounty / 1024).toFixed(0)} KB JSON`)
  console.log(`loaded county 1 in ${(countyLoadMs / 1000).toFixed(0)} s, the other ${COUNTIES - 1} in ${(provinceLoadMs / 1000).toFixed(0)} s; section total ${((performance.now() - started) / 1000).toFixed(0)} s`)
}
