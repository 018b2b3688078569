import type { Db } from '../local/db'
// What each member reaches in the tree (app.org_reach) and the roster's member counts
// (app.org_member_counts) are summaries kept by triggers: after random memberships, role changes, ends,
// removals and organisations added and moved, app.org_rank / visible_org_ids / managed_org_ids
// answer exactly what the recursive definitions of 20261125000100_core.sql answer, for every
// user and organisation, and the counts are the counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

// the definitions the lookups replaced, as they were written (the reference)
const REFERENCE = `
  with me as (select $1::uuid as uid),
  mine as (
    select m.org_id, m.role, o.path
      from app.memberships m join app.organisations o on o.id = m.org_id, me
     where m.user_id = me.uid and m.ended_at is null),
  visible as (
    select unnest(mine.path) as id from mine
    union
    select o.id from app.organisations o join mine on o.path @> array[mine.org_id] where app.rank_of(mine.role) >= 2),
  managed as (
    select distinct o.id from app.organisations o join app.memberships m on o.path @> array[m.org_id], me
     where m.user_id = me.uid and m.ended_at is null and app.rank_of(m.role) >= 3)
  select
    coalesce((select array_agg(id order by id) from visible), '{}') as visible,
    coalesce((select array_agg(id order by id) from managed), '{}') as managed,
    (select jsonb_object_agg(o.id, (select coalesce(max(app.rank_of(m.role)), 0) from app.memberships m, me
                                      where m.org_id = any (o.path) and m.user_id = me.uid and m.ended_at is null))
       from app.organisations o) as ranks`

const LOOKUPS = `
  select
    coalesce((select array_agg(distinct x order by x) from app.visible_org_ids() x), '{}') as visible,
    coalesce((select array_agg(distinct x order by x) from app.managed_org_ids() x), '{}') as managed,
    (select jsonb_object_agg(o.id, app.org_rank(o.id)) from app.organisations o) as ranks`

async function compareEveryone(): Promise<number> {
  const { rows: users } = await db.query<{ id: string }>(`select user_id as id from app.profiles order by 1`)
  for (const u of users) {
    const [expected, actual] = await db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: u.id, role: 'authenticated' })])
      const e = (await tx.query(REFERENCE, [u.id])).rows[0]
      const a = (await tx.query(LOOKUPS)).rows[0]
      return [e, a]
    })
    expect({ user: u.id, ...actual }).toEqual({ user: u.id, ...expected })
  }
  const { rows: counts } = await db.query<{ diff: number }>(`
    select count(*)::int as diff from (
      (select org_id, members from app.org_member_counts
       except select org_id, count(*)::int from app.memberships where ended_at is null group by org_id)
      union all
      (select org_id, count(*)::int from app.memberships where ended_at is null group by org_id
       except select org_id, members from app.org_member_counts)) x`)
  expect(counts[0]!.diff).toBe(0)
  return users.length
}

// a small deterministic generator: a failure replays the same writes
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('org reach and member counts', () => {
  it('match the recursive definitions on the seeds', async () => {
    expect(await compareEveryone()).toBeGreaterThan(5)
  })

  it('match them after random roster and tree writes', async () => {
    const rand = rng(20261201)
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!
    const people: string[] = []
    for (let i = 0; i < 8; i++) people.push(await createUser(db, { name: `随机${i}` }))
    people.push(ids.teacherA, ids.secretaryB, ids.principal)
    const orgs = async () => (await db.query<{ id: string, path: string[] }>(`select id, path from app.organisations`)).rows
    const active = async () => (await db.query<{ id: string }>(`select id from app.memberships where ended_at is null order by id`)).rows.map(r => r.id)

    for (let round = 0; round < 40; round++) {
      const op = Math.floor(rand() * 7)
      const all = await orgs()
      if (op === 0) {
        const parent = pick(all)
        await db.query(`insert into app.organisations (parent_id, kind, name) values ($1, 'branch', $2)`, [parent.id, `随机支部${round}`])
      }
      else if (op === 1) {
        // move an organisation (not the bureau) under one outside its own subtree
        const moving = pick(all.filter(o => o.id !== ids.bureau))
        const target = pick(all.filter(o => !o.path.includes(moving.id)))
        await db.query(`update app.organisations set parent_id = $2 where id = $1`, [moving.id, target.id])
      }
      else if (op <= 3) {
        // several memberships in one statement (as a roster import writes them)
        const n = 1 + Math.floor(rand() * 3)
        for (let k = 0; k < n; k++) {
          const org = pick(all)
          const role = org.id === ids.bureau && rand() < 0.3 ? 'admin' : pick(['member', 'member', 'committee', 'secretary'])
          await db.query(`insert into app.memberships (org_id, user_id, role)
            select $1, $2, $3 where not exists (
              select 1 from app.memberships where org_id = $1 and user_id = $2 and ended_at is null)`, [org.id, pick(people), role])
        }
      }
      else if (op === 4) {
        const m = pick(await active())
        await db.query(`update app.memberships set ended_at = now() where id = $1`, [m])
      }
      else if (op === 5) {
        const m = pick(await active())
        await db.query(`update app.memberships set role = $2 where id = $1 and (role <> 'admin')`, [m, pick(['member', 'committee', 'secretary'])])
      }
      else {
        // a whole organisation's members moved at once: ended there, added to another
        const from = pick(all)
        const to = pick(all.filter(o => o.id !== ids.bureau))
        await db.transaction(async (tx) => {
          const { rows: moved } = await tx.query<{ user_id: string, role: string }>(`select user_id, role from app.memberships
            where org_id = $1 and ended_at is null and role <> 'admin'`, [from.id])
          await tx.query(`update app.memberships set ended_at = now() where org_id = $1 and ended_at is null and role <> 'admin'`, [from.id])
          await tx.query(`insert into app.memberships (org_id, user_id, role)
            select $1, x.user_id, x.role from unnest($2::uuid[], $3::text[]) x (user_id, role) where not exists (
              select 1 from app.memberships m where m.org_id = $1 and m.user_id = x.user_id and m.ended_at is null)`, [to.id, moved.map(m => m.user_id), moved.map(m => m.role)])
        })
      }
      if (round % 8 === 7)
        await compareEveryone()
    }
    // and removals, which the cascade from a deleted account makes too
    await db.query(`delete from app.memberships where id = $1`, [pick(await active())])
    await db.query(`delete from auth.users where id = $1`, [people[0]])
    await compareEveryone()
  })
})
