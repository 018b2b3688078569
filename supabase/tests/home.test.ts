import type { Db } from '../local/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, createUser, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('home_summary', () => {
  it('gives a seeded teacher something to do now from every area', async () => {
    const home = await as(db, ids.teacherA).rpc('home_summary')
    expect(Object.keys(home).sort()).toEqual(['context', 'continue_reading', 'due_plan', 'manage', 'next_session', 'study_minutes_year', 'topics', 'unread'])
    // who the member is comes along, so the first screen needs no second call
    expect(home.context).toEqual(await as(db, ids.teacherA).rpc('my_context'))
    expect(home.next_session).toMatchObject({ id: expect.any(String), title: expect.any(String) })
    expect(home.continue_reading).toMatchObject({ reading_id: expect.any(String), section_id: expect.any(String) })
    expect(home.due_plan).toMatchObject({ id: expect.any(String), total: expect.any(Number) })
    expect(Array.isArray(home.topics)).toBe(true)
    expect(home.manage).toBeNull()
  })

  it('carries the inbox\'s unread count (with the reminders now due), so the tab bar needs no second call', async () => {
    const me = as(db, ids.teacherA)
    const home = await me.rpc('home_summary')
    expect(home.unread).toBe((await me.rpc('inbox_unread')).unread)
    // an item arriving later shows in the next summary; reading them all brings it to 0
    await db.query(`insert into app.inbox_items (user_id, kind, dedupe_key, link) values ($1, 'plan_assigned', 'home-test:' || gen_random_uuid(), '/inbox')`, [ids.teacherA])
    expect((await me.rpc('home_summary')).unread).toBe(home.unread + 1)
    await me.rpc('inbox_mark_read')
    expect((await me.rpc('home_summary')).unread).toBe(0)
  })

  it('tells a secretary what waits in management', async () => {
    const home = await as(db, ids.secretaryA).rpc('home_summary')
    expect(home.manage).toMatchObject({ active_invites: expect.any(Number), pending_members: expect.any(Number) })
  })

  it('is empty, not failing, for a member of nothing', async () => {
    const u = await createUser(db)
    const home = await as(db, u).rpc('home_summary')
    expect(home).toMatchObject({ next_session: null, continue_reading: null, due_plan: null, topics: [], manage: null })
    expect(home.context).toMatchObject({ memberships: [], can_manage: false, is_admin: false })
  })

  it('refuses anonymous callers', async () => {
    await expect(as(db, null).rpc('home_summary')).rejects.toThrow(/permission denied/)
  })
})
