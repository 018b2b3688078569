// Section: the secretary's progress view (plan_progress) at county scale — 5,000 members in 125
// branches of 40, a county plan of 50 readings × 10 sections, every member having ticked every
// section (2.5 million ticks). A branch's view is measured on a small county (10 branches) and again
// on the full one: it must cost about the same. The whole county's view is measured as well, and
// the plans of the branch query are printed to show the indexes used. plan_progress reads the
// per-reading counts (app.reading_progress, kept by triggers), not the ticks themselves.
// Data is made with generate_series inside SQL (ids in the bbbbbbbb-… range).
import type { BenchContext } from './context'
import { time, verdict } from './context'

const BUREAU = '00000000-0000-4000-8000-000000000001'
const PLAN = 'bbbbbbbb-0000-4000-9300-000000000001'
const BRANCHES = 125
const PER_BRANCH = 40
const READINGS = 50
const SECTIONS = 10

const branchId = (b: string) => `('bbbbbbbb-0000-4000-8000-' || lpad((${b})::text, 12, '0'))::uuid`
const userId = (u: string) => `('bbbbbbbb-0000-4000-a000-' || lpad((${u})::text, 12, '0'))::uuid`

async function content(ctx: BenchContext) {
  await ctx.db.exec(`
    insert into app.readings (id, org_id, title)
    select ('bbbbbbbb-0000-4000-9100-' || lpad(r::text, 12, '0'))::uuid, '${BUREAU}', '基准材料' || r
      from generate_series(1, ${READINGS}) r;
    insert into app.reading_sections (reading_id, position, title, body_md)
    select ('bbbbbbbb-0000-4000-9100-' || lpad(r::text, 12, '0'))::uuid, s, '第' || s || '节', '正文'
      from generate_series(1, ${READINGS}) r, generate_series(1, ${SECTIONS}) s;
    insert into app.study_plans (id, org_id, title, due_on) values ('${PLAN}', '${BUREAU}', '基准计划', current_date + 3);
    insert into app.plan_readings (plan_id, reading_id, position)
    select '${PLAN}', ('bbbbbbbb-0000-4000-9100-' || lpad(r::text, 12, '0'))::uuid, r from generate_series(1, ${READINGS}) r;
  `)
}

/** Branches from..to with their members, and every member's ticks on every section of the plan. */
async function branches(ctx: BenchContext, from: number, to: number) {
  const u0 = (from - 1) * PER_BRANCH + 1
  const u1 = to * PER_BRANCH
  await ctx.db.exec(`
    insert into app.organisations (id, parent_id, kind, name, sort_order)
    select ${branchId('b')}, '${BUREAU}', 'branch', '基准支部' || b, 100 + b from generate_series(${from}, ${to}) b;
    insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select ${userId('u')}, 'authenticated', 'authenticated', 'bench-member-' || u || '@example.com',
           jsonb_build_object('display_name', '党员' || u), now(), now()
      from generate_series(${u0}, ${u1}) u;
    insert into app.memberships (org_id, user_id, role)
    select ${branchId(`(u - 1) / ${PER_BRANCH} + 1`)}, ${userId('u')}, 'member' from generate_series(${u0}, ${u1}) u;
  `)
  // ticks in slices of 10 branches (200,000 rows) so that progress shows
  for (let b = from; b <= to; b += 10) {
    const e = Math.min(to, b + 9)
    await ctx.db.exec(`
      insert into app.section_ticks (user_id, section_id, read_at)
      select ${userId('u')}, s.id, now() - (u % 30) * interval '1 day'
        from generate_series(${(b - 1) * PER_BRANCH + 1}, ${e * PER_BRANCH}) u
        cross join app.plan_readings pr join app.reading_sections s on s.reading_id = pr.reading_id
       where pr.plan_id = '${PLAN}'
       order by 1, 2;
    `)
  }
  await ctx.db.exec('analyze app.section_ticks; analyze app.memberships; analyze app.organisations; analyze app.reading_sections')
}

async function countTicks(ctx: BenchContext): Promise<number> {
  const { rows } = await ctx.db.query<{ n: number }>('select count(*)::int as n from app.section_ticks')
  return rows[0]!.n
}

/** The branch part of plan_progress (members of the branch × counts per reading), explained as the secretary runs it (RLS on). */
async function branchPlan(ctx: BenchContext, accessToken: string): Promise<string[]> {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
  return ctx.db.transaction(async (tx) => {
    await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)])
    const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`
      explain (analyze, costs off, timing off, summary on)
      select rp.user_id, rp.reading_id, rp.done
        from app.organisations o
        join app.memberships m on m.org_id = o.id and m.ended_at is null
        join app.reading_progress rp on rp.user_id = m.user_id
       where o.path @> array[${branchId('1')}]
         and rp.reading_id in (select pr.reading_id from app.plan_readings pr where pr.plan_id = '${PLAN}')`)
    return rows.map(r => r['QUERY PLAN'])
  })
}

export async function run(ctx: BenchContext): Promise<void> {
  const n = Math.max(3, Math.min(20, Math.round(ctx.n / 10)))
  const started = performance.now()
  await content(ctx)

  const secretary = await ctx.newUser({ display_name: '基准书记' })
  const admin = await ctx.newUser({ display_name: '基准管理员' })

  // a small county first: 10 branches, 400 members, 200,000 ticks
  await branches(ctx, 1, 10)
  await ctx.db.exec(`insert into app.memberships (org_id, user_id, role) values (${branchId('1')}, '${secretary.id}', 'secretary'), ('${BUREAU}', '${admin.id}', 'admin')`)
  const call = (c: typeof secretary, org: string | null) => async () => {
    // After a long generation step (PGlite runs in this process and blocks it) a kept-alive socket
    // may have been closed under the client: one retry on a network error.
    for (let attempt = 0; ; attempt++) {
      const { error, data } = await c.client.rpc('plan_progress', { p_plan_id: PLAN, p_org_id: org })
      if (!error)
        return data
      if (attempt > 0 || !/fetch failed|other side closed|ECONNRESET/i.test(error.message))
        throw new Error(error.message)
    }
  }
  const check = await call(secretary, null)() as { members: unknown[], total: number }
  if (check.members.length !== PER_BRANCH + 1 || check.total !== READINGS * SECTIONS)
    throw new Error(`unexpected branch view: ${check.members.length} members, ${check.total} sections`)
  const smallTicks = await countTicks(ctx)
  const branchSmall = await time(n, call(secretary, null))
  const planSmall = await branchPlan(ctx, secretary.accessToken)

  // the full county: 125 branches, 5,000 members, 2.5 million ticks
  const t0 = performance.now()
  await branches(ctx, 11, BRANCHES)
  const genMs = performance.now() - t0
  const fullTicks = await countTicks(ctx)
  const branchFull = await time(n, call(secretary, null))
  const planFull = await branchPlan(ctx, secretary.accessToken)
  const county = await time(3, call(admin, BUREAU))
  const countyData = await call(admin, BUREAU)() as { members: unknown[] }

  ctx.report(`readings: plan_progress (${READINGS} readings × ${SECTIONS} sections), ms per call over HTTP`, [
    { 'view': 'branch of 40 (secretary)', 'county': `${10 * PER_BRANCH} members, ${smallTicks.toLocaleString('en')} ticks`, 'ms/call': branchSmall.perCallMs.toFixed(1), 'p95 ms': branchSmall.p95Ms.toFixed(1), 'calls': n },
    { 'view': 'branch of 40 (secretary)', 'county': `${BRANCHES * PER_BRANCH} members, ${fullTicks.toLocaleString('en')} ticks`, 'ms/call': branchFull.perCallMs.toFixed(1), 'p95 ms': branchFull.p95Ms.toFixed(1), 'calls': n },
    { 'view': `whole county (admin, ${countyData.members.length} members)`, 'county': `${BRANCHES * PER_BRANCH} members, ${fullTicks.toLocaleString('en')} ticks`, 'ms/call': county.perCallMs.toFixed(1), 'p95 ms': county.p95Ms.toFixed(1), 'calls': 3 },
  ])
  verdict(`county reading progress, first page (whole county, ${countyData.members.length} members, ${fullTicks.toLocaleString('en')} ticks, ${ctx.db.kind})`, `${county.perCallMs.toFixed(1)} ms`, '≤ 100 ms', county.perCallMs <= 100)
  console.log(`branch view, full county / small county: ${(branchFull.perCallMs / branchSmall.perCallMs).toFixed(2)}× (ticks ×${(fullTicks / smallTicks).toFixed(1)})`)
  console.log(`generated the other ${BRANCHES - 10} branches in ${(genMs / 1000).toFixed(1)} s; section total ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const interesting = (lines: string[]) => lines.filter(l => /Scan|Join|Loop|Execution Time|rows=/.test(l) && !/Buffers/.test(l))
  console.log('\nbranch query plan, small county:')
  console.log(interesting(planSmall).join('\n'))
  console.log('\nbranch query plan, full county:')
  console.log(interesting(planFull).join('\n'))
}
