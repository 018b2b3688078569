import type { Db } from '../local/db'
// Web Push subscriptions: a member saves and removes only their own, a retry with the same
// client-made id never doubles, an endpoint moves to whoever subscribed last on a shared phone,
// bad input changes nothing, and only the sender (service_role) reads where to push. The trigger
// that posts new inbox items to the push function does nothing without pg_net (as here).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, count, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const key = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM'
const auth = 'tBHItJI5svbpez7KI4CCXg'
const endpoint = () => `https://push.example.test/send/${randomUUID()}`
function sub(id: string, ep: string, extra: Record<string, unknown> = {}) {
  return { p_id: id, p_endpoint: ep, p_p256dh: key, p_auth: auth, ...extra }
}
const rows = (ep: string) => count(db, 'select 1 from app.push_subscriptions where endpoint = $1', [ep])

async function asService<T>(sql: string, params: unknown[]): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`select set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true)`)
    return (await tx.query<{ r: T }>(sql, params)).rows[0]!.r
  })
}

describe('push subscriptions', () => {
  it('saves mine once however often the phone retries, and I see only mine', async () => {
    const id = randomUUID()
    const ep = endpoint()
    const first = await as(db, ids.teacherA).rpc('push_subscribe', sub(id, ep))
    expect(first).toMatchObject({ id, endpoint: ep })
    expect(await as(db, ids.teacherA).rpc('push_subscribe', sub(id, ep))).toEqual(first)
    expect(await rows(ep)).toBe(1)
    const mine = await as(db, ids.teacherA).query<{ endpoint: string }>('select endpoint from app.push_subscriptions')
    expect(mine.rows.map(r => r.endpoint)).toContain(ep)
    const theirs = await as(db, ids.teacherB).query('select endpoint from app.push_subscriptions where endpoint = $1', [ep])
    expect(theirs.rows).toHaveLength(0)
  })

  it('moves an endpoint to whoever subscribed last on a shared phone; another\'s id is refused', async () => {
    const ep = endpoint()
    const a = randomUUID()
    await as(db, ids.teacherA).rpc('push_subscribe', sub(a, ep))
    await as(db, ids.teacherB).rpc('push_subscribe', sub(randomUUID(), ep))
    const { rows: owner } = await db.query<{ user_id: string }>('select user_id::text from app.push_subscriptions where endpoint = $1', [ep])
    expect(owner.map(r => r.user_id)).toEqual([ids.teacherB])
    const mine = randomUUID()
    await as(db, ids.teacherA).rpc('push_subscribe', sub(mine, endpoint()))
    await expectError(as(db, ids.teacherB).rpc('push_subscribe', sub(mine, endpoint())), 'push.conflict')
  })

  it('refuses bad input and anonymous callers, changing nothing', async () => {
    const before = await count(db, 'select 1 from app.push_subscriptions')
    await expectError(as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), 'http://insecure.example/x')), 'push.invalid')
    await expectError(as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), endpoint(), { p_p256dh: 'short' })), 'push.invalid')
    await expectError(as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), endpoint(), { p_auth: '<script>' })), 'push.invalid')
    await expect(as(db, null).rpc('push_subscribe', sub(randomUUID(), endpoint()))).rejects.toThrow(/permission denied/)
    expect(await count(db, 'select 1 from app.push_subscriptions')).toBe(before)
  })

  it('removes only my own', async () => {
    const ep = endpoint()
    await as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), ep))
    expect(await as(db, ids.teacherB).rpc('push_unsubscribe', { p_endpoint: ep })).toEqual({ removed: false })
    expect(await as(db, ids.teacherB).query('delete from app.push_subscriptions where endpoint = $1 returning id', [ep])).toMatchObject({ rows: [] })
    expect(await rows(ep)).toBe(1)
    expect(await as(db, ids.teacherA).rpc('push_unsubscribe', { p_endpoint: ep })).toEqual({ removed: true })
    expect(await rows(ep)).toBe(0)
  })

  it('where to push is for the sender only (service_role), and a gone endpoint is dropped', async () => {
    const ep = endpoint()
    await as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), ep, { p_lang: 'en' }))
    await expect(as(db, ids.teacherA).rpc('push_targets', { p_user: ids.teacherA })).rejects.toThrow(/permission denied/)
    await expect(as(db, ids.teacherA).rpc('push_gone', { p_endpoint: ep })).rejects.toThrow(/permission denied/)
    const targets = await asService<{ endpoint: string, lang: string }[]>('select public.push_targets($1) as r', [ids.teacherA])
    expect(targets).toContainEqual({ endpoint: ep, p256dh: key, auth, lang: 'en' })
    await asService('select public.push_gone($1)::text as r', [ep])
    expect(await rows(ep)).toBe(0)
  })

  it('a new inbox item is written as before where there is no pg_net (the local stack)', async () => {
    await as(db, ids.teacherA).rpc('push_subscribe', sub(randomUUID(), endpoint()))
    await db.query(`insert into app.push_settings (function_url, secret) values ('http://127.0.0.1:1/push', 'a-secret-of-16-chars') on conflict do nothing`)
    await db.query(`insert into app.inbox_items (user_id, kind, dedupe_key, link) values ($1, 'plan_assigned', 'push-test:' || gen_random_uuid(), '/inbox')`, [ids.teacherA])
    expect(await count(db, `select 1 from app.inbox_items where dedupe_key like 'push-test:%'`)).toBe(1)
  })
})
