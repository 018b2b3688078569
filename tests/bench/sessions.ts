import type { BenchContext } from './context'
// Section: study sessions. (1) 500 members of one branch check in at one session within ten
// seconds, through supabase-js over HTTP, some of them twice (a repeat must be acknowledged, never
// stored twice): errors, duplicates, p50/p95. (2) The period summary for the whole county — 5,000
// members in 125 branches, a year of weekly sessions with attendance — timed through supabase-js,
// with the plan of the query inside app.attendance_summary. (3) session_check_in in-engine at sessions of
// 500, 5,500 and 50,000 expected members: its cost must not grow with the audience (the counts are
// kept by the writes, not recounted per check-in).
// Data is made with generate_series inside SQL (ids in the c5c5c5c5-… range); tokens are minted
// with the stack's JWT secret so that 500 members need no 500 sign-ins.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { time, tokenFor as token, verdict } from './context'

const BUREAU = '00000000-0000-4000-8000-000000000001'
const ADMIN = '00000000-0000-4000-a000-000000000001'
const CROWD_BRANCH = 'c5c5c5c5-0000-4000-8000-000000000000'
const CROWD = 500
const BRANCHES = 125
const PER_BRANCH = 40
const WEEKS = 52

const branchId = (b: string) => `('c5c5c5c5-0000-4000-8000-' || lpad((${b})::text, 12, '0'))::uuid`
const userId = (u: string) => `('c5c5c5c5-0000-4000-a000-' || lpad((${u})::text, 12, '0'))::uuid`

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0

async function crowd(ctx: BenchContext) {
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name) values ('${CROWD_BRANCH}', '${BUREAU}', 'branch', '基准签到支部');
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${userId('u')}, 'authenticated', 'authenticated', 'bench-checkin-' || u || '@example.com',
           jsonb_build_object('display_name', '签到' || u), now(), now()
      from generate_series(1, ${CROWD}) u;
    insert into app.memberships (org_id, user_id, role)
    select '${CROWD_BRANCH}', ${userId('u')}, 'member' from generate_series(1, ${CROWD}) u;
  `)
  const session = randomUUID()
  await ctx.db.query(`
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    values ($1, $2, 'general_meeting', '基准：五百人签到', now() + interval '10 minutes', 60, '报告厅', $3,
            now() - interval '20 minutes', now() + interval '25 minutes', $3)`, [session, CROWD_BRANCH, ADMIN])
  await ctx.db.query('insert into app.session_orgs (session_id, org_id) values ($1, $2)', [session, CROWD_BRANCH])

  // what the organiser's screen shows, refreshed every second (one step of tolerance covers a turn)
  const codeNow = async () => (await ctx.db.query<{ c: string }>('select app.session_code($1, app.step_of(now())) as c', [session])).rows[0]!.c
  let code = await codeNow()
  const ticker = setInterval(() => {
    void codeNow().then((c) => {
      code = c
    })
  }, 1000)

  // the phones run in a child process: the stack's process only serves them
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./checkin-client.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString()
  })
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', c => c === 0 ? resolve() : reject(new Error(`checkin-client exited ${c}`)))
  })
  const members = Array.from({ length: CROWD }, (_, i) => `c5c5c5c5-0000-4000-a000-${String(i + 1).padStart(12, '0')}`)
  child.stdin.write(`${JSON.stringify({ url: ctx.url, anonKey: ctx.anonKey, jwtSecret: ctx.jwtSecret, session, members, code })}\n`)
  let sent = code
  const relay = setInterval(() => {
    if (code !== sent && child.stdin.writable) {
      sent = code
      child.stdin.write(`${JSON.stringify({ code })}\n`)
    }
  }, 200)
  await done
  clearInterval(relay)
  child.stdin.end()
  const result = JSON.parse(out.trim().split('\n').pop()!) as { latencies: number[], errors: number, ok: number, already: number, firstErrors: string[], wallMs: number }
  const { latencies, errors, ok, already, firstErrors } = result
  const wall = result.wallMs
  clearInterval(ticker)
  const { rows } = await ctx.db.query<{ n: number, d: number }>(
    'select count(*)::int as n, count(distinct user_id)::int as d from app.checkins where session_id = $1',
    [session],
  )
  latencies.sort((a, b) => a - b)
  const duplicates = rows[0]!.n - rows[0]!.d
  const p95 = pct(latencies, 0.95)
  ctx.report(`check-in: ${CROWD} members at one session within 10 s (supabase-js over HTTP from another process, ${ctx.db.kind})`, [{
    'requests': latencies.length,
    'ok': ok,
    'already (repeats)': already,
    'errors': errors,
    'rows stored': rows[0]!.n,
    'duplicates': duplicates,
    'p50 ms': pct(latencies, 0.5).toFixed(1),
    'p95 ms': p95.toFixed(1),
    'max ms': (latencies.at(-1) ?? 0).toFixed(1),
    'wall s': (wall / 1000).toFixed(1),
  }])
  if (firstErrors.length)
    console.log('first errors:', firstErrors)
  verdict(`${CROWD} check-ins in 10 s at one session, the stack in its own process (${ctx.db.kind})`, `${errors} errors, ${duplicates} duplicates, ${rows[0]!.n} rows for ${CROWD} members, p95 ${p95.toFixed(1)} ms`, '0 errors, 0 duplicates, p95 < 200 ms', errors === 0 && duplicates === 0 && rows[0]!.n === CROWD && p95 < 200)
}

async function county(ctx: BenchContext) {
  const u1 = BRANCHES * PER_BRANCH
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name, sort_order)
    select ${branchId('b')}, '${BUREAU}', 'branch', '基准县支部' || b, 200 + b from generate_series(1, ${BRANCHES}) b;
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${userId(`u + ${CROWD}`)}, 'authenticated', 'authenticated', 'bench-county-' || u || '@example.com',
           jsonb_build_object('display_name', '县党员' || u), now(), now()
      from generate_series(1, ${u1}) u;
    insert into app.memberships (org_id, user_id, role)
    select ${branchId(`(u - 1) / ${PER_BRANCH} + 1`)}, ${userId(`u + ${CROWD}`)}, 'member' from generate_series(1, ${u1}) u;
    -- a weekly members' meeting in every branch for a year
    insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
    select ('c5c5c5c5-0000-4000-d000-' || lpad((b * 100 + w)::text, 12, '0'))::uuid, ${branchId('b')}, 'general_meeting', '周学习' || w,
           date_trunc('day', now()) - (w * 7) * interval '1 day' + interval '15 hours', 60, '党员活动室', '${ADMIN}',
           date_trunc('day', now()) - (w * 7) * interval '1 day' + interval '14 hours 30 minutes',
           date_trunc('day', now()) - (w * 7) * interval '1 day' + interval '15 hours 15 minutes', '${ADMIN}'
      from generate_series(1, ${BRANCHES}) b, generate_series(1, ${WEEKS}) w;
    insert into app.session_orgs (session_id, org_id)
    select ('c5c5c5c5-0000-4000-d000-' || lpad((b * 100 + w)::text, 12, '0'))::uuid, ${branchId('b')}
      from generate_series(1, ${BRANCHES}) b, generate_series(1, ${WEEKS}) w;
  `)
  // attendance: most present, some late, a few on leave, the rest absent; in slices so progress shows.
  // Bulk history: the live-count triggers (one broadcast per row) are skipped while loading.
  for (let w = 1; w <= WEEKS; w += 13) {
    await ctx.db.exec(`
      set session_replication_role = replica;
      insert into app.checkins (id, session_id, user_id, status, method, checked_at)
      select gen_random_uuid(), s.id, m.user_id, case when (hashtext(m.user_id::text || s.id::text) & 15) = 0 then 'late' else 'present' end, 'code', s.starts_at
        from app.sessions s join app.memberships m on m.org_id = s.org_id
       where s.id::text like 'c5c5c5c5-0000-4000-d000-%' and s.title in (${Array.from({ length: 13 }, (_, k) => `'周学习${w + k}'`).join(',')})
         and (hashtext(s.id::text || m.user_id::text) & 15) < 14;
      insert into app.leave_requests (id, session_id, user_id, reason, status, decided_by, decided_at)
      select gen_random_uuid(), s.id, m.user_id, '外出', 'approved', '${ADMIN}', s.starts_at
        from app.sessions s join app.memberships m on m.org_id = s.org_id
       where s.id::text like 'c5c5c5c5-0000-4000-d000-%' and s.title in (${Array.from({ length: 13 }, (_, k) => `'周学习${w + k}'`).join(',')})
         and (hashtext(s.id::text || m.user_id::text) & 15) = 14;
      set session_replication_role = origin;
    `)
    console.log(`  attendance loaded: weeks ${w}–${Math.min(WEEKS, w + 12)}`)
  }
  // the bulk load skipped the triggers that keep the counts: bring them in line once, set-based
  // (the expected lists were kept when session_orgs was written)
  await ctx.db.exec(`
    update app.session_tallies t set present = x.present, late = x.late, excused = x.excused, absent = x.absent, pending_leave = x.pending
      from (select s.id,
                   count(*) filter (where c.status = 'present') as present, count(*) filter (where c.status = 'late') as late,
                   count(*) filter (where c.status = 'excused' or (c.id is null and l.status = 'approved')) as excused,
                   count(*) filter (where c.status = 'absent') as absent, count(*) filter (where l.status = 'pending') as pending
              from app.sessions s
              join (select session_id, user_id from app.checkins union select session_id, user_id from app.leave_requests) p on p.session_id = s.id
              left join app.checkins c on c.session_id = p.session_id and c.user_id = p.user_id
              left join app.leave_requests l on l.session_id = p.session_id and l.user_id = p.user_id
             where s.id::text like 'c5c5c5c5-0000-4000-d000-%'
             group by s.id) x
     where t.session_id = x.id`)
  const { rows: off } = await ctx.db.query<{ n: number }>(`
    select count(*)::int as n from (select s.id from app.sessions s where s.id::text like 'c5c5c5c5-0000-4000-d000-%' order by s.id limit 50) x
     where app.session_counts(x.id) <> app.session_recount(x.id)`)
  console.log(`  kept counts against a recount on 50 sessions: ${off[0]!.n} differ`)
  await ctx.db.exec('analyze app.sessions; analyze app.session_orgs; analyze app.checkins; analyze app.leave_requests; analyze app.memberships; analyze app.organisations')
  const { rows: sizes } = await ctx.db.query<{ s: number, c: number, l: number }>(`
    select (select count(*) from app.sessions)::int as s, (select count(*) from app.checkins)::int as c, (select count(*) from app.leave_requests)::int as l`)

  const admin = ctx.client(await token(ctx, ADMIN))
  const from = new Date(Date.now() - 365 * 86400_000).toISOString().slice(0, 10)
  const to = new Date().toISOString().slice(0, 10)
  let members = 0
  const n = Number(process.env.BENCH_SUMMARY_N) || 3
  const t = await time(n, async () => {
    const { data, error } = await admin.rpc('attendance_summary', { p_org_id: BUREAU, p_from: from, p_to: to })
    if (error)
      throw new Error(error.message)
    members = (data as { members: unknown[] }).members.length
  })
  ctx.report(`attendance_summary: whole county over a year × ${n} (supabase-js over HTTP)`, [{
    'sessions': sizes[0]!.s,
    'check-ins': sizes[0]!.c,
    'leave': sizes[0]!.l,
    'members in answer': members,
    'ms/call': t.perCallMs.toFixed(0),
    'p95 ms': t.p95Ms.toFixed(0),
  }])

  // the plan of the expected-pairs and status query inside app.attendance_summary
  const { rows } = await ctx.db.query<{ 'QUERY PLAN': string }>(`
    explain (analyze, costs off, timing off, summary on)
    with sub as (select o.id, o.name, o.path from app.organisations o where o.path @> array['${BUREAU}'::uuid]),
    ss as (select s.* from app.sessions s where s.org_id in (select id from sub) and s.cancelled_at is null
             and s.starts_at >= '${from}'::date and s.starts_at < '${to}'::date + 1 and s.checkin_closes_at < now()),
    pairs as (
      select distinct on (so.session_id, m.user_id) so.session_id, m.user_id, m.org_id
        from app.memberships m join sub on sub.id = m.org_id
        cross join lateral unnest(sub.path) as a(anc)
        join app.session_orgs so on so.org_id = a.anc
        join ss on ss.id = so.session_id
       where m.ended_at is null
       order by so.session_id, m.user_id, array_length(sub.path, 1) desc),
    st as (
      select p.user_id, p.org_id, coalesce(c.status, case when l.status = 'approved' then 'excused' else 'absent' end) as status
        from pairs p
        left join app.checkins c on c.session_id = p.session_id and c.user_id = p.user_id
        left join app.leave_requests l on l.session_id = p.session_id and l.user_id = p.user_id)
    select st.user_id, count(*), count(*) filter (where status in ('present', 'late')) from st group by st.user_id`)
  console.log('\nplan of the query inside app.attendance_summary (county, one year):')
  console.log(rows.map(r => r['QUERY PLAN']).join('\n'))
}

const SCALE_ROOT = 'c5c5c5c5-0000-4000-8000-0000000f0000'
const SCALE_BRANCHES = 100
const SCALE_PER_BRANCH = 500
const scaleBranch = (b: string) => `('c5c5c5c5-0000-4000-8000-00000f' || lpad((${b})::text, 6, '0'))::uuid`
const scaleUser = (u: string) => `('c5c5c5c5-0000-4000-a000-00000f' || lpad((${u})::text, 6, '0'))::uuid`

/**
 * session_check_in timed in the engine (no HTTP: one transaction per call on the superuser connection,
 * as PostgREST would run it) at three audiences; the same 500 members of the first branch are
 * expected at all three, so only the size of the audience differs.
 */
async function checkinScale(ctx: BenchContext) {
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name) values ('${SCALE_ROOT}', '${BUREAU}', 'committee', '基准省级规模');
    insert into app.organisations (id, parent_id, kind, name, sort_order)
    select ${scaleBranch('b')}, '${SCALE_ROOT}', 'branch', '基准规模支部' || b, 400 + b from generate_series(1, ${SCALE_BRANCHES}) b;
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${scaleUser('u')}, 'authenticated', 'authenticated', 'bench-scale-' || u || '@example.com',
           jsonb_build_object('display_name', '规模' || u), now(), now()
      from generate_series(1, ${SCALE_BRANCHES * SCALE_PER_BRANCH}) u;
    insert into app.memberships (org_id, user_id, role)
    select ${scaleBranch(`(u - 1) / ${SCALE_PER_BRANCH} + 1`)}, ${scaleUser('u')}, 'member'
      from generate_series(1, ${SCALE_BRANCHES * SCALE_PER_BRANCH}) u;
  `)
  const sizes = [
    { label: '500', orgs: `select ${scaleBranch('1')}` },
    { label: '5,500', orgs: `select ${scaleBranch('b')} from generate_series(1, 11) b` },
    { label: '50,000', orgs: `select '${SCALE_ROOT}'::uuid` },
  ]
  const n = Number(process.env.BENCH_CHECKIN_N) || 300
  const sessions: { label: string, id: string, expected: number, lat: number[] }[] = []
  for (const size of sizes) {
    const id = randomUUID()
    await ctx.db.query(`
      insert into app.sessions (id, org_id, kind, title, starts_at, duration_minutes, place, organiser_id, checkin_opens_at, checkin_closes_at, created_by)
      values ($1, $2, 'report', '基准：规模签到', now() + interval '10 minutes', 60, '报告厅', $3,
              now() - interval '20 minutes', now() + interval '25 minutes', $3)`, [id, SCALE_ROOT, ADMIN])
    await ctx.db.query(`insert into app.session_orgs (session_id, org_id) select $1, x from (${size.orgs}) as t(x)`, [id])
    const expected = (await ctx.db.query<{ n: number }>(`select (app.session_counts($1) ->> 'expected')::int as n`, [id])).rows[0]!.n
    sessions.push({ label: size.label, id, expected, lat: [] })
  }
  // member i checks in at each of the three sessions in turn, so that a shared host's drifting
  // load weighs on all three alike
  for (let i = 1; i <= n + 20; i++) {
    const sub = `c5c5c5c5-0000-4000-a000-00000f${String(i).padStart(6, '0')}`
    for (const s of sessions) {
      const code = (await ctx.db.query<{ c: string }>('select app.session_code($1, app.step_of(now())) as c', [s.id])).rows[0]!.c
      const ms = await ctx.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub, role: 'authenticated', aud: 'authenticated' })])
        const t = performance.now()
        const { rows } = await tx.query<{ r: { status: string } }>('select public.session_check_in($1, $2, $3, \'code\', null) as r', [randomUUID(), s.id, code])
        if (rows[0]!.r.status !== 'ok')
          throw new Error(`session_check_in answered ${JSON.stringify(rows[0]!.r)}`)
        return performance.now() - t
      })
      if (i > 20)
        s.lat.push(ms) // the first calls warm the plans
    }
  }
  const results: { label: string, expected: number, ms: number, p95: number, recountMs: number }[] = []
  for (const s of sessions) {
    s.lat.sort((a, b) => a - b)
    // what every check-in used to pay: the whole session recounted for the broadcast
    const r0 = performance.now()
    for (let i = 0; i < 5; i++) await ctx.db.query('select app.session_recount($1)', [s.id])
    results.push({ label: s.label, expected: s.expected, ms: pct(s.lat, 0.5), p95: pct(s.lat, 0.95), recountMs: (performance.now() - r0) / 5 })
  }
  const base = results[0]!.ms
  ctx.report(`session_check_in in-engine by audience (median of ${n} members each; target ≤ 1.3× of 500)`, results.map(r => ({
    'expected': r.expected,
    'session_check_in p50 ms': r.ms.toFixed(3),
    'session_check_in p95 ms': r.p95.toFixed(3),
    'vs 500': `${(r.ms / base).toFixed(2)}×`,
    'a full recount (no longer per check-in) ms': r.recountMs.toFixed(2),
  })))
  for (const r of results.slice(1))
    verdict(`session_check_in in-engine at ${r.label} expected vs 500 (${ctx.db.kind})`, `${(r.ms / base).toFixed(2)}× (${r.ms.toFixed(3)} / ${base.toFixed(3)} ms)`, '≤ 1.3×', r.ms / base <= 1.3)
}

/** The 500-member check-in alone: bench:api runs it on PGlite too when DATABASE_URL names a server. */
export async function runCrowd(ctx: BenchContext): Promise<void> {
  await crowd(ctx)
}

export async function run(ctx: BenchContext): Promise<void> {
  await checkinScale(ctx)
  await county(ctx)
}
