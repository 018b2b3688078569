import type { Db } from '../local/db'
// A roster row and the role it carries go only to an account whose phone is verified
// (management migration): not on an unconfirmed insert, yes when /verify sets
// phone_confirmed_at later, yes when a confirmed phone change moves auth.users.phone, and never
// through an import that finds an unconfirmed account with that phone. An account that already
// belongs somewhere is asked instead: the row waits as its invitation.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, as, count, createUser, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const J = (v: unknown) => JSON.stringify(v)
async function memberships(u: string) {
  return (await db.query<{ org_id: string, role: string }>(
    'select org_id, role from app.memberships where user_id = $1 and ended_at is null order by org_id',
    [u],
  )).rows
}

async function importRow(phone: string, role = '书记'): Promise<void> {
  const res = await as(db, ids.admin).rpc('roster_import', { p_id: randomUUID(), p_org_id: ids.branchB, p_rows: J([{ name: '名册上的人', phone, org: '', role }]) })
  expect(res.saved).toBe(1)
}

describe('attach on a verified phone only', () => {
  it('an unconfirmed sign-up gets no roster place and no role; the row attaches when the phone is confirmed', async () => {
    const phone = '8613900007001'
    await importRow(phone)
    const u = await createUser(db, { phone, phoneConfirmed: false })
    expect(await memberships(u)).toEqual([])
    expect(await count(db, 'select 1 from app.pending_members where phone = $1 and attached_at is null', [phone])).toBe(1)
    // what /verify (type sms) does
    await db.query('update auth.users set phone_confirmed_at = now(), confirmation_token = \'\' where id = $1', [u])
    expect(await memberships(u)).toEqual([{ org_id: ids.branchB, role: 'secretary' }])
    expect(await count(db, 'select 1 from app.pending_members where phone = $1 and attached_user_id = $2', [phone, u])).toBe(1)
    // confirming again (an OTP sign-in) changes nothing
    await db.query('update auth.users set phone_confirmed_at = now() where id = $1', [u])
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [u])).toBe(1)
  })

  it('a phone change attaches only once confirmed, and the contact phone follows the verified one', async () => {
    const phone = '8613900007002'
    await importRow(phone, '党员')
    const u = await createUser(db, { phone: '8613900007099' })
    // what PUT /user does with confirmations on: only phone_change, nothing attaches
    await db.query('update auth.users set phone_change = $2, phone_change_token = \'x\', phone_change_sent_at = now() where id = $1', [u, phone])
    expect(await memberships(u)).toEqual([])
    // what /verify (type phone_change) does
    await db.query('update auth.users set phone = phone_change, phone_change = \'\', phone_change_token = \'\', phone_confirmed_at = now() where id = $1', [u])
    expect(await memberships(u)).toEqual([{ org_id: ids.branchB, role: 'member' }])
    expect((await db.query('select phone from app.profile_contacts where user_id = $1', [u])).rows[0]).toEqual({ phone })
  })

  it('an import does not attach an existing account whose phone is not verified', async () => {
    const phone = '8613900007003'
    const u = await createUser(db, { phone, phoneConfirmed: false })
    await importRow(phone)
    expect(await memberships(u)).toEqual([])
    expect(await count(db, 'select 1 from app.pending_members where phone = $1 and attached_at is null', [phone])).toBe(1)
    // and attach_pending_phone itself refuses a phone that is not the user's verified one
    const v = await createUser(db, { phone: '8613900007004' })
    const { rows } = await db.query<{ n: number }>('select app.attach_pending_phone($1, $2) as n', [phone, v])
    expect(rows[0]!.n).toBe(0)
    expect(await memberships(v)).toEqual([])
  })

  it('a member of another school who confirms a changed phone is asked, not added', async () => {
    const phone = '8613900007005'
    await importRow(phone, '党员')
    const u = await createUser(db, { phone: '8613900007098' })
    await addMember(db, ids.branchA, u)
    await db.query('update auth.users set phone = $2, phone_confirmed_at = now() where id = $1', [u, phone])
    expect(await memberships(u)).toEqual([{ org_id: ids.branchA, role: 'member' }])
    expect(await count(db, 'select 1 from app.pending_members where phone = $1 and attached_at is null', [phone])).toBe(1)
    // the row is their invitation; accepting it is what makes them a member
    const requests = await as(db, u).rpc('my_roster_requests', {}) as Array<{ id: string, org_id: string }>
    expect(requests.map(r => r.org_id)).toEqual([ids.branchB])
    await as(db, u).rpc('roster_request_answer', { p_pending_id: requests[0]!.id, p_accept: true })
    expect((await memberships(u)).map(m => m.org_id).sort()).toEqual([ids.branchA, ids.branchB].sort())
  })
})
