import type { Db, Queryable } from '../local/db'
// Writes that keep the shared summaries take one lock first (20261204140000_core_summaries_lock.sql;
// CI failed on PostgreSQL with "deadlock detected" when a secretary's approval met a tick).
// The catalog part keeps the list of locked tables complete; the two-connection part replays the
// deadlock: a tick, a new membership that waits for it, then a second membership in the tick's
// transaction. On PostgreSQL it runs on separate connections and, with the lock switched off,
// deadlocks; on PGlite (one connection) the same writes run one after another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../local/db'
import { createUser, freshDb, ids } from './db'

/**
 * After-trigger functions of tables without the lock, and why they need none. A new after
 * trigger on an unlocked table fails the catalog test until it is put here or its table is locked.
 */
const NO_SUMMARIES: Record<string, string> = {
  push_on_inbox_item: 'sends a push notice',
  inbox_on_join_request: 'writes inbox_items only',
  inbox_on_roster_import: 'writes inbox_items only',
  inbox_on_topic_closed: 'writes inbox_items only',
  post_reactions_after_change: 'broadcasts the like count',
  tallies_broadcast: 'broadcasts the tally',
  topics_after_update: 'broadcasts the topic',
  pending_members_carry_cadre: 'updates memberships, which take the lock themselves',
}
/** Summary tables whose own triggers roll them up further: written only from locked tables' triggers. */
const DERIVED = ['attendance_facts', 'org_reach', 'session_tally_deltas']

let db: Db
let other: Db
beforeAll(async () => {
  db = await freshDb()
  const url = process.env.DATABASE_URL
  if (url) {
    const { rows } = await db.query<{ d: string }>('select current_database() as d')
    const u = new URL(url)
    u.pathname = `/${rows[0].d}`
    other = await openDb({ databaseUrl: u.toString() })
  }
  else {
    other = db
  }
}, 60_000)
afterAll(async () => {
  if (other !== db)
    await other?.close()
  await db?.close()
})

describe('the summaries lock', () => {
  it('is taken by every table whose after triggers keep summaries, before each statement', async () => {
    const { rows } = await db.query<{ t: string, fns: string[], locked: boolean }>(`
      select c.relname as t,
             array_agg(distinct p.proname::text) filter (where t.tgtype & 2 = 0) as fns,
             bool_or(t.tgname = c.relname || '_summaries_lock' and p.proname = 'summaries_lock'
                     and t.tgtype & 2 = 2 and t.tgtype & 1 = 0) as locked
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'app'
        join pg_proc p on p.oid = t.tgfoid
       where not t.tgisinternal
       group by c.relname`)
    const unlocked = rows.filter(r => !r.locked && !DERIVED.includes(r.t))
      .flatMap(r => (r.fns ?? []).filter(f => !(f in NO_SUMMARIES)).map(f => `${r.t}: ${f}`))
    expect(unlocked).toEqual([])
    // and the lock is where the migration says, nowhere it is not needed
    const locked = rows.filter(r => r.locked).map(r => r.t).sort()
    expect(locked).toEqual([
      'checkins',
      'leave_requests',
      'memberships',
      'organisations',
      'plan_orgs',
      'plan_readings',
      'posts',
      'profiles',
      'reading_progress',
      'reading_sections',
      'section_ticks',
      'session_invitees',
      'session_orgs',
      'sessions',
      'study_plans',
    ])
  })

  it('is held, once taken, until the transaction ends', async () => {
    const held = await db.transaction(async (tx) => {
      await tx.query(`update app.profiles set display_name = display_name where user_id = $1`, [ids.teacherA])
      const { rows } = await tx.query<{ n: number }>(
        `select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted`,
      )
      return rows[0].n
    })
    expect(held).toBe(1)
    // in this test's own database: other test files run in parallel on the same server (and a
    // Supabase-shaped one has its own workers); the pool may answer on another connection
    const { rows } = await db.query<{ n: number }>(`
      select count(*)::int as n from pg_locks
       where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`)
    expect(rows[0].n).toBe(0)
  })

  it('a tick and two new memberships at the same moment all go through, and the counts add up', async () => {
    const { committed, deadlocked } = await tickMeetsApprovals()
    expect(deadlocked).toBe(false)
    expect(committed).toBe(2)
    const counts = await db.query<{ kept: number, real: number }>(
      `select (select c.members from app.org_member_counts c where c.org_id = $1) as kept,
              (select count(*)::int from app.memberships m where m.org_id = $1 and m.ended_at is null) as real`,
      [ids.branchB],
    )
    expect(counts.rows[0].kept).toBe(counts.rows[0].real)

    // what the lock is for: switched off, the same writes deadlock on PostgreSQL's separate
    // connections (PGlite runs them one after another, where nothing can deadlock)
    if (other !== db) {
      await db.exec(`do $$ declare r record; begin
        for r in select c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid where t.tgname = c.relname || '_summaries_lock' loop
          execute format('alter table app.%I disable trigger %I', r.relname, r.relname || '_summaries_lock');
        end loop; end $$`)
      expect((await tickMeetsApprovals()).deadlocked).toBe(true)
    }
  })
})

/** A section of the bureau's plan that teacherA has not ticked yet. */
async function untickedSection(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ id: string }>(`
    select rs.id from app.reading_sections rs
      join app.plan_readings pr on pr.reading_id = rs.reading_id
      join app.plan_orgs po on po.plan_id = pr.plan_id and po.org_id = $1
     where not exists (select 1 from app.section_ticks s where s.section_id = rs.id and s.user_id = $2)
     order by rs.id limit 1`, [ids.bureau, ids.teacherA])
  if (!rows[0])
    throw new Error('no unticked section left in the bureau\'s plans')
  return rows[0].id
}

/**
 * teacherA ticks a section; a secretary's approval (a new member of branch B) starts meanwhile on
 * another connection and waits; then the tick's transaction makes a second new member of branch B.
 * Answers how many of the two transactions committed and whether either was ended by a deadlock.
 */
async function tickMeetsApprovals(): Promise<{ committed: number, deadlocked: boolean }> {
  const section = await untickedSection(db)
  const [first, second] = [await createUser(db), await createUser(db)]
  const joinBranchB = 'insert into app.memberships (org_id, user_id, role) values ($1, $2, \'member\')'
  const outcome = { committed: 0, deadlocked: false }
  const settle = (p: Promise<unknown>) => p.then(() => void outcome.committed++, (e: { code?: string }) => {
    if (e.code !== '40P01')
      throw e
    outcome.deadlocked = true
  })
  let approval: Promise<void> | null = null
  const tick = db.transaction(async (tx) => {
    await tx.query('insert into app.section_ticks (user_id, section_id) values ($1, $2)', [ids.teacherA, section])
    if (other === db) {
      // one connection: the approval comes after the tick's transaction
      approval = Promise.resolve()
    }
    else {
      let pid = 0
      approval = settle(other.transaction(async (tx2) => {
        pid = (await tx2.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid
        await tx2.query(joinBranchB, [ids.branchB, first])
      }))
      await waitUntilBlocked(() => pid)
    }
    await tx.query(joinBranchB, [ids.branchB, second])
  })
  await settle(tick)
  await approval
  if (other === db) {
    await settle(db.query(joinBranchB, [ids.branchB, first]))
  }
  return outcome
}

/**
 * Asks the server, query after query, until the backend `pid()` names waits for a lock (10 s at
 * most): each round trip is the wait, there is no timer.
 */
async function waitUntilBlocked(pid: () => number): Promise<void> {
  const until = Date.now() + 10_000
  while (Date.now() < until) {
    const p = pid()
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from pg_locks where pid = $1 and not granted', [p])
    if (p && rows[0].n > 0)
      return
  }
  throw new Error('the approval never waited for the tick')
}
