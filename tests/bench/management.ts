// Section: the bureau's side-by-side report (public.report_bureau) for 100 organisations and 5,000
// members over a year of reading, sessions and discussion — timed over HTTP, with the query plan
// of its one big statement (app.report_data) from EXPLAIN ANALYZE.
import type { BenchContext } from './context'
import { time, verdict } from './context'

const BUREAU = '00000000-0000-4000-8000-000000000001'

async function seed(ctx: BenchContext, adminId: string): Promise<Record<string, number>> {
  const t0 = performance.now()
  // replica mode: bulk rows without the per-row triggers (live signals, counters, guards)
  await ctx.db.exec(`
    set session_replication_role = replica;
    insert into app.memberships (org_id, user_id, role) values ('${BUREAU}', '${adminId}', 'admin');
    -- 20 school committees × 4 branches = 100 organisations
    insert into app.organisations (id, parent_id, kind, name, path)
    select ('10000000-0000-4000-8000-' || lpad(s::text, 12, '0'))::uuid, '${BUREAU}', 'committee', '基准学校' || s || '党委',
           array['${BUREAU}'::uuid, ('10000000-0000-4000-8000-' || lpad(s::text, 12, '0'))::uuid]
      from generate_series(1, 20) s;
    insert into app.organisations (id, parent_id, kind, name, path)
    select ('20000000-0000-4000-8000-' || lpad((s * 10 + b)::text, 12, '0'))::uuid,
           ('10000000-0000-4000-8000-' || lpad(s::text, 12, '0'))::uuid, 'branch', '基准学校' || s || '第' || b || '支部',
           array['${BUREAU}'::uuid, ('10000000-0000-4000-8000-' || lpad(s::text, 12, '0'))::uuid,
                 ('20000000-0000-4000-8000-' || lpad((s * 10 + b)::text, 12, '0'))::uuid]
      from generate_series(1, 20) s, generate_series(1, 4) b;
    create temp table bench_branches as
      select id, row_number() over (order by id) - 1 as i from app.organisations where name like '基准学校%支部';
    -- 5,000 members spread over the 80 branches
    insert into auth.users (id, aud, role, email, created_at, updated_at)
    select ('30000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, 'authenticated', 'authenticated', 'bench' || u || '@example.com', now(), now()
      from generate_series(1, 5000) u;
    insert into app.profiles (user_id, display_name)
    select ('30000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, '基准党员' || u from generate_series(1, 5000) u;
    insert into app.memberships (org_id, user_id, role, joined_at)
    select b.id, ('30000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, 'member', now() - interval '2 years'
      from generate_series(1, 5000) u join bench_branches b on b.i = u % 80;
    -- 4 county-wide plans of 10 sections each; about half the sections ticked
    insert into app.readings (id, org_id, title)
    select ('40000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, '${BUREAU}', '基准读物' || p from generate_series(1, 4) p;
    insert into app.reading_sections (id, reading_id, position, title, est_minutes)
    select ('41000000-0000-4000-8000-' || lpad((p * 100 + s)::text, 12, '0'))::uuid, ('40000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, s, '第' || s || '节', 15
      from generate_series(1, 4) p, generate_series(1, 10) s;
    insert into app.study_plans (id, org_id, title, due_on, created_at)
    select ('42000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, '${BUREAU}', '基准学习计划' || p, current_date + 30, now() - interval '300 days'
      from generate_series(1, 4) p;
    insert into app.plan_readings (plan_id, reading_id, position)
    select ('42000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, ('40000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, 1
      from generate_series(1, 4) p;
    insert into app.section_ticks (user_id, section_id, read_at)
    select ('30000000-0000-4000-8000-' || lpad(u::text, 12, '0'))::uuid, s.id, now() - ((u + s.position) % 300) * interval '1 day'
      from generate_series(1, 5000) u cross join app.reading_sections s
     where s.title like '第%节' and (u * 7 + s.position * 13) % 2 = 0;
    -- 12 sessions a year per branch, about 80% present
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    select ('50000000-0000-4000-8000-' || lpad((b.i * 100 + m)::text, 12, '0'))::uuid, b.id,
           (array['party_class', 'general_meeting', 'group_meeting', 'lecture'])[1 + m % 4], '基准活动' || m,
           now() - m * interval '28 days', 90, '${adminId}', now() - m * interval '28 days' - interval '30 minutes',
           now() - m * interval '28 days' + interval '60 minutes', '${adminId}'
      from bench_branches b, generate_series(1, 12) m;
    insert into app.session_orgs (session_id, org_id)
    select s.id, s.org_id from app.sessions s where s.title like '基准活动%';
    insert into app.checkins (id, session_id, user_id, status, method)
    select gen_random_uuid(), s.id, m.user_id, case when (hashtext(m.user_id::text || s.id::text) & 7) = 0 then 'excused' else 'present' end, 'code'
      from app.sessions s join app.memberships m on m.org_id = s.org_id and m.ended_at is null
     where s.title like '基准活动%' and (hashtext(s.id::text || m.user_id::text) & 15) < 13;
    -- 20 county-wide topics, 20,000 posts
    insert into app.topics (id, org_id, title, prompt, status, created_by)
    select ('60000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid, '${BUREAU}', '基准讨论' || t, '谈谈', 'open', '${adminId}'
      from generate_series(1, 20) t;
    insert into app.posts (id, topic_id, author_id, body, created_at)
    select gen_random_uuid(), ('60000000-0000-4000-8000-' || lpad((1 + k % 20)::text, 12, '0'))::uuid,
           ('30000000-0000-4000-8000-' || lpad((1 + (k * 37) % 5000)::text, 12, '0'))::uuid, '发言', now() - (k % 330) * interval '1 day'
      from generate_series(1, 20000) k;
    set session_replication_role = origin;
    -- the summaries the skipped triggers keep: what each member reaches, the roster counts, attendance,
    -- the report's reading and discussion facts
    select app.org_reach_rebuild();
    select app.org_member_counts_rebuild();
    select app.attendance_rebuild();
    select app.report_rebuild();
    analyze;
  `)
  const { rows } = await ctx.db.query<Record<string, number>>(`select
    (select count(*) from app.organisations where retired_at is null)::int as organisations,
    (select count(*) from app.memberships where ended_at is null)::int as memberships,
    (select count(*) from app.section_ticks)::int as ticks,
    (select count(*) from app.sessions)::int as sessions,
    (select count(*) from app.checkins)::int as checkins,
    (select count(*) from app.posts)::int as posts`)
  return { ...rows[0]!, 'seed s': Math.round((performance.now() - t0) / 100) / 10 }
}

export async function run(ctx: BenchContext): Promise<void> {
  const admin = await ctx.newUser({ display_name: '基准管理员' })
  const counts = await seed(ctx, admin.id)
  ctx.report('management: seeded data', [counts])

  const to = new Date().toISOString().slice(0, 10)
  const from = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10)
  const stmtOf = async () => {
    const { rows: src } = await ctx.db.query<{ def: string }>(`select pg_get_functiondef('app.report_data(uuid, date, date, int)'::regprocedure) as def`)
    const body = src[0]!.def
    return body.slice(body.indexOf('  with\n'), body.indexOf(' into v_result;'))
      .replaceAll('p_root', `'${BUREAU}'::uuid`)
      .replaceAll('p_from', `'${from}'::date`)
      .replaceAll('p_to', `'${to}'::date`)
      .replaceAll('p_depth', 'null::int')
  }
  if (process.env.BENCH_PLAN_ONLY) {
    const stmt = await stmtOf()
    const rows = await ctx.db.transaction(async (tx) => {
      await tx.exec(`set local enable_nestloop = off; set local jit = off; set local work_mem = '32MB'`)
      return (await tx.query<{ 'QUERY PLAN': string }>(`explain ${stmt}`)).rows
    })
    console.log(rows.map(r => r['QUERY PLAN']).join('\n'))
    return
  }
  const t1 = performance.now()
  await ctx.db.transaction(async (tx) => {
    await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: admin.id, role: 'authenticated' })])
    await tx.query(`select app.report_data('${BUREAU}', $1, $2, null)::text`, [from, to])
  })
  console.log(`direct app.report_data: ${Math.round(performance.now() - t1)} ms`)
  // the sockets opened before seeding have idled past the server's keep-alive: prime a fresh one
  for (let i = 0; i < 3; i++) {
    const { error } = await admin.client.rpc('my_context')
    if (!error)
      break
  }
  let bytes = 0
  let orgs = 0
  const n = Math.min(ctx.n, Number(process.env.BENCH_REPORT_N) || 5)
  const rows: Record<string, string | number>[] = []
  // "whatever the JIT setting": the server's setting reaches a connection when it opens, so the
  // database's default is changed and the stack's idle pooled connections are ended (the pool opens
  // new ones; the realtime LISTEN connection is left alone). PGlite has no JIT.
  const settings = ctx.db.kind === 'postgres' ? ['on', 'off'] : ['(none)']
  for (const jit of settings) {
    if (ctx.db.kind === 'postgres') {
      await ctx.db.exec(`do $$ begin execute format('alter database %I set jit = ${jit}', current_database()); end $$`)
      await ctx.db.query(`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state = 'idle' and query not ilike 'listen%'`)
      // and the connection that asked, which kept the old setting
      await ctx.db.query('select pg_terminate_backend(pg_backend_pid())').catch(() => {})
    }
    const viaHttp = await time(n, async () => {
      // an ended pooled connection may answer once with a network-level error: one retry
      let { data, error } = await admin.client.rpc('report_bureau', { p_from: from, p_to: to })
      if (error && /terminat|connection|fetch failed/i.test(error.message))
        ({ data, error } = await admin.client.rpc('report_bureau', { p_from: from, p_to: to }))
      if (error)
        throw new Error(`${error.message} ${error.details ?? ''}`)
      bytes = JSON.stringify(data).length
      orgs = data.orgs.length
    })
    const shown = ctx.db.kind === 'postgres' ? (await ctx.db.query<{ jit: string }>('show jit')).rows[0]!.jit : jit
    rows.push({ 'server jit': shown, 'organisations': orgs, 'KB json': Math.round(bytes / 1024), 'ms/call': viaHttp.perCallMs.toFixed(0), 'p95 ms': viaHttp.p95Ms.toFixed(0) })
    verdict(`bureau report at county scale through the API as the admin (${ctx.db.kind}, server jit ${shown})`, `${viaHttp.perCallMs.toFixed(0)} ms (p95 ${viaHttp.p95Ms.toFixed(0)})`, '≤ 300 ms', viaHttp.perCallMs <= 300)
  }
  if (ctx.db.kind === 'postgres')
    await ctx.db.exec(`do $$ begin execute format('alter database %I reset jit', current_database()); end $$`)
  ctx.report(`management: report_bureau(${from}, ${to}) × ${n}`, rows)

  // The plan of the report's statement: taken from the function's source, run with the function's settings.
  const stmt = await stmtOf()
  const plan = await ctx.db.transaction(async (tx) => {
    await tx.exec(`set local enable_nestloop = off; set local jit = off; set local work_mem = '32MB'`)
    return tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers off, costs off, timing on) ${stmt}`)
  })
  console.log('\n## management: query plan of app.report_data (EXPLAIN ANALYZE)')
  console.log(plan.rows.map(r => r['QUERY PLAN']).join('\n'))
}
