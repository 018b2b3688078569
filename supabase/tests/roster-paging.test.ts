import type { Db } from '../local/db'
// The roster paged (public.roster): pages put together are the whole roster in its order, with
// the per-organisation counts of the whole roster on the first page; bad pages are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, as, createUser, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('roster pages', () => {
  it('put together give the whole roster in order, with counts of all of it', async () => {
    for (let i = 0; i < 5; i++)
      await addMember(db, ids.branchA, await createUser(db, { name: `同名` }))
    const admin = as(db, ids.admin)
    const whole = await admin.rpc('roster', { p_org_id: ids.bureau, p_limit: 500 })
    expect(whole.next).toBeNull()
    const { rows } = await db.query<{ id: string }>(`
      select m.id from app.memberships m join app.organisations o on o.id = m.org_id join app.profiles p on p.user_id = m.user_id
       where m.ended_at is null order by o.path, app.rank_of(m.role) desc, p.display_name, m.id`)
    expect(whole.members.map((m: any) => m.membership_id)).toEqual(rows.map(r => r.id))

    const paged: any[] = []
    let page = await admin.rpc('roster', { p_org_id: ids.bureau, p_limit: 3 })
    const counts = page.org_counts
    expect(page.pending).toEqual(whole.pending)
    paged.push(...page.members)
    while (page.next) {
      page = await admin.rpc('roster', { p_org_id: ids.bureau, p_after: page.next, p_limit: 3 })
      expect(page.members.length).toBeLessThanOrEqual(3)
      expect(page.org_counts).toBeNull()
      paged.push(...page.members)
    }
    expect(paged).toEqual(whole.members)
    const byOrg: Record<string, number> = {}
    for (const m of whole.members) byOrg[m.org_id] = (byOrg[m.org_id] ?? 0) + 1
    expect(counts).toEqual(byOrg)
  })

  it('pages of every size are ordered, disjoint and complete across ties of role and name', async () => {
    // ties on (organisation, role, name) broken only by the membership id, some of them falling on
    // page boundaries; a nested group below a branch and an organisation with no members between
    for (const org of [ids.branchA, ids.branchA2, ids.groupB]) {
      for (let i = 0; i < 4; i++)
        await addMember(db, org, await createUser(db, { name: '并列' }), i % 2 ? 'committee' : 'member')
    }
    await db.query(`insert into app.organisations (parent_id, kind, name) values ($1, 'branch', '空支部')`, [ids.school2])
    const admin = as(db, ids.admin)
    const { rows } = await db.query<{ id: string }>(`
      select m.id from app.memberships m join app.organisations o on o.id = m.org_id join app.profiles p on p.user_id = m.user_id
       where m.ended_at is null and o.path @> array[$1::uuid]
       order by o.path, app.rank_of(m.role) desc, p.display_name, m.id`, [ids.bureau])
    const expected = rows.map(r => r.id)
    for (const size of [1, 2, 3, 5, 7, expected.length - 1, expected.length, expected.length + 1]) {
      const seen: string[] = []
      let after: string | null = null
      let pages = 0
      do {
        const page: any = await admin.rpc('roster', { p_org_id: ids.bureau, p_after: after, p_limit: size })
        expect(page.members.length).toBeLessThanOrEqual(size)
        if (page.next)
          expect(page.members.length).toBe(size)
        seen.push(...page.members.map((m: any) => m.membership_id))
        after = page.next
        pages++
      } while (after)
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen).toEqual(expected)
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / size)))
    }
  })

  it('refuses a page size out of range, and a cursor from elsewhere', async () => {
    const sec = as(db, ids.secretaryA)
    await expectError(sec.rpc('roster', { p_org_id: ids.branchA, p_limit: 0 }), 'admin.page_size_invalid')
    await expectError(sec.rpc('roster', { p_org_id: ids.branchA, p_limit: 501 }), 'admin.page_size_invalid')
    const { rows } = await db.query<{ id: string }>(`select id from app.memberships where org_id = $1 limit 1`, [ids.branchB])
    await expectError(sec.rpc('roster', { p_org_id: ids.branchA, p_after: rows[0]!.id }), 'admin.cursor_invalid')
    // another branch is not even visible to this secretary
    await expectError(sec.rpc('roster', { p_org_id: ids.branchB }), 'admin.org_not_found')
  })
})
