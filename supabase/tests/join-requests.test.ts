import type { Db } from '../local/db'
// "A member asked to join" (#16): an invite marked 需审批 makes a request instead of a
// membership; exactly the organisation's own secretaries hear it once (switch respected), the
// asker hears the answer once, answers are idempotent, nobody else sees the request.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, as, count, createUser, expectError, freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

interface Item { user_id: string, kind: string, link: string, params: any }
async function itemsAbout(subject: string, kind?: string): Promise<Item[]> {
  const { rows } = await db.query<Item>(
    `select user_id::text, kind, link, params from app.inbox_items
      where dedupe_key like '%' || $1 || '%' and ($2::text is null or kind = $2) order by user_id`,
    [subject, kind ?? null],
  )
  return rows
}
const users = (items: Item[]) => items.map(i => i.user_id).sort()

async function approvalInvite(org: string = ids.branchA, by: string = ids.secretaryA, role = 'member'): Promise<string> {
  const id = randomUUID()
  const inv = await as(db, by).rpc('invite_create', {
    p_id: id,
    p_org_id: org,
    p_expires_at: new Date(Date.now() + 7 * 86400_000).toISOString(),
    p_max_uses: 10,
    p_role: role,
  })
  const set = await as(db, by).rpc('invite_set_approval', { p_invite_id: id, p_needs_approval: true })
  expect(set.needs_approval).toBe(true)
  return inv.code
}

describe('asking to join', () => {
  let secretaryA2: string
  beforeAll(async () => {
    // a second secretary of branch A, and one of the sibling branch A2 who must hear nothing
    secretaryA2 = await createUser(db, { name: '第二书记' })
    await addMember(db, ids.branchA, secretaryA2, 'secretary')
  })

  it('the preview says it asks; redeeming it directly is refused and admits nobody', async () => {
    const code = await approvalInvite()
    const teacher = await createUser(db, { name: '新来的老师' })
    expect((await as(db, teacher).rpc('invite_preview', { p_code: code })).needs_approval).toBe(true)
    expect((await as(db, null).rpc('invite_preview', { p_code: code })).needs_approval).toBe(true)
    await expectError(as(db, teacher).rpc('invite_redeem', { p_code: code }), 'invite.needs_approval')
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [teacher])).toBe(0)
    // an ordinary invite still admits at once, and refuses a request
    const open = await as(db, ids.secretaryA).rpc('invite_create', {
      p_id: randomUUID(),
      p_org_id: ids.branchA,
      p_expires_at: new Date(Date.now() + 86400_000).toISOString(),
      p_max_uses: null,
    })
    expect((await as(db, teacher).rpc('invite_preview', { p_code: open.code })).needs_approval).toBe(false)
    await expectError(as(db, teacher).rpc('join_request_create', { p_id: randomUUID(), p_code: open.code }), 'join.no_approval_needed')
  })

  it('one item for exactly the branch\'s secretaries, none for other branches or the bureau; a retry adds nothing', async () => {
    const code = await approvalInvite()
    const teacher = await createUser(db, { name: '王老师' })
    const id = randomUUID()
    const req = await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })
    expect(req).toMatchObject({ id, status: 'pending', org_id: ids.branchA, role: 'member', display_name: '王老师' })
    // the same id again, and a new id for the same invite (the link opened again): the same request
    expect((await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })).id).toBe(id)
    expect((await as(db, teacher).rpc('join_request_create', { p_id: randomUUID(), p_code: code })).id).toBe(id)
    expect(await count(db, 'select 1 from app.join_requests where user_id = $1', [teacher])).toBe(1)

    const items = await itemsAbout(id)
    expect(users(items)).toEqual([ids.secretaryA, secretaryA2].sort())
    expect(items.every(i => i.kind === 'join_requested' && i.link === '/admin/join-requests')).toBe(true)
    expect(items[0].params).toMatchObject({ member: '王老师', request_id: id })
    for (const other of [ids.secretaryB, ids.admin, ids.teacherA, teacher])
      expect(users(items)).not.toContain(other)
    // someone else cannot take the id
    await expectError(as(db, ids.teacherB).rpc('join_request_create', { p_id: id, p_code: code }), 'join.id_conflict')
  })

  it('the secretary\'s switch is respected, for that secretary only', async () => {
    await as(db, secretaryA2).rpc('inbox_set_kind', { p_kind: 'join_requested', p_on: false })
    const code = await approvalInvite()
    const teacher = await createUser(db)
    const id = randomUUID()
    await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })
    expect(users(await itemsAbout(id))).toEqual([ids.secretaryA])
    await as(db, secretaryA2).rpc('inbox_set_kind', { p_kind: 'join_requested', p_on: true })
  })

  it('approve: the membership with the invite\'s role, the answer item once; approving again changes nothing', async () => {
    const code = await approvalInvite(ids.branchA, ids.secretaryA, 'committee')
    const teacher = await createUser(db, { name: '李老师' })
    const id = randomUUID()
    await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })
    expect((await as(db, ids.secretaryA).rpc('join_request_list')).map((r: any) => r.id)).toContain(id)

    const a = await as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: true })
    expect(a.status).toBe('approved')
    const again = await as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: true })
    expect(again).toEqual(a)
    expect(await count(db, `select 1 from app.memberships where user_id = $1 and org_id = $2 and role = 'committee' and ended_at is null`, [teacher, ids.branchA])).toBe(1)
    expect(await count(db, `select 1 from app.audit_log where subject_id = $1 and action = 'join.approve'`, [id])).toBe(1)
    expect((await db.query(`select use_count from app.invites where code = $1`, [code])).rows[0]).toEqual({ use_count: 1 })
    const answer = await itemsAbout(id, 'join_approved')
    expect(users(answer)).toEqual([teacher])
    expect(answer[0].link).toBe('/me')
    await expectError(as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: false }), 'join.already_answered')
    // the other secretary of the branch hears the member joined, once; the one who approved does not
    const joined = await db.query<{ user_id: string }>(
      `select i.user_id::text from app.inbox_items i join app.memberships m on i.dedupe_key = 'member_joined:' || m.id
        where m.user_id = $1 and m.org_id = $2`,
      [teacher, ids.branchA],
    )
    expect(joined.rows).toEqual([{ user_id: secretaryA2 }])
    // the teacher sees the membership
    const ctx = await as(db, teacher).rpc('my_context')
    expect(ctx.memberships.map((m: any) => m.org_id)).toContain(ids.branchA)
    // redeeming the same code now answers as for any member: nothing new
    expect((await as(db, teacher).rpc('invite_redeem', { p_code: code })).org_id).toBe(ids.branchA)
    // opening the link again shows the answered request
    expect((await as(db, teacher).rpc('join_request_create', { p_id: randomUUID(), p_code: code })).status).toBe('approved')
  })

  it('decline: no membership, the answer item once; declining again changes nothing; no new request through that invite', async () => {
    const code = await approvalInvite()
    const teacher = await createUser(db)
    const id = randomUUID()
    await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })
    const d = await as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: false })
    expect(d.status).toBe('declined')
    expect(await as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: false })).toEqual(d)
    expect(await count(db, 'select 1 from app.memberships where user_id = $1', [teacher])).toBe(0)
    expect(users(await itemsAbout(id, 'join_declined'))).toEqual([teacher])
    expect(await itemsAbout(id, 'join_approved')).toEqual([])
    await expectError(as(db, ids.secretaryA).rpc('join_request_answer', { p_id: id, p_approve: true }), 'join.already_answered')
    expect((await as(db, teacher).rpc('join_request_create', { p_id: randomUUID(), p_code: code })).status).toBe('declined')
    expect(await count(db, `select 1 from app.audit_log where subject_id = $1`, [id])).toBe(1)
  })

  it('RLS: only the asker and those who manage the branch see it; only they may answer', async () => {
    const code = await approvalInvite()
    const teacher = await createUser(db)
    const id = randomUUID()
    await as(db, teacher).rpc('join_request_create', { p_id: id, p_code: code })
    const seen = async (u: string) => (await as(db, u).query(`select id from app.join_requests where id = '${id}'`)).rows.length
    expect(await seen(teacher)).toBe(1)
    expect(await seen(ids.secretaryA)).toBe(1)
    expect(await seen(ids.admin)).toBe(1)
    expect(await seen(ids.secretaryB)).toBe(0)
    expect(await seen(ids.teacherA)).toBe(0)
    expect((await as(db, ids.secretaryB).rpc('join_request_list')).map((r: any) => r.id)).not.toContain(id)
    await expectError(as(db, ids.secretaryB).rpc('join_request_answer', { p_id: id, p_approve: true }), 'join.not_found')
    await expectError(as(db, ids.teacherA).rpc('join_request_answer', { p_id: id, p_approve: true }), 'join.not_found')
    await expectError(as(db, teacher).rpc('join_request_answer', { p_id: id, p_approve: true }), 'join.not_allowed')
    await expectError(as(db, ids.secretaryA).rpc('join_request_answer', { p_id: randomUUID(), p_approve: true }), 'join.not_found')
    await expect(as(db, teacher).query(`update app.join_requests set status = 'approved' where id = '${id}'`)).rejects.toThrow(/permission denied/)
    await expect(as(db, teacher).query(`insert into app.join_requests (id, invite_id, org_id, user_id, role) select gen_random_uuid(), invite_id, org_id, user_id, role from app.join_requests where id = '${id}'`))
      .rejects
      .toThrow(/permission denied/)
    await expect(as(db, null).query('select * from app.join_requests')).rejects.toThrow(/permission denied/)
    // a secretary of another branch cannot mark branch A's invite, nor is the request still pending after all this
    const inv = (await db.query<{ id: string }>(`select id::text from app.invites where code = $1`, [code])).rows[0].id
    await expectError(as(db, ids.secretaryB).rpc('invite_set_approval', { p_invite_id: inv, p_needs_approval: false }), 'admin.invite_not_found')
    expect((await db.query(`select status from app.join_requests where id = $1`, [id])).rows[0]).toEqual({ status: 'pending' })
  })

  it('bad input is refused with a key and changes nothing', async () => {
    const teacher = await createUser(db)
    await expectError(as(db, teacher).rpc('join_request_create', { p_id: null, p_code: 'X' }), 'join.id_required')
    await expectError(as(db, teacher).rpc('join_request_create', { p_id: randomUUID(), p_code: 'NOSUCHCODE' }), 'invite.not_found')
    await expect(as(db, null).rpc('join_request_create', { p_id: randomUUID(), p_code: 'NOSUCHCODE' })).rejects.toThrow(/permission denied/)
    await expectError(as(db, ids.secretaryA).rpc('join_request_answer', { p_id: randomUUID(), p_approve: null }), 'join.answer_required')
    expect(await count(db, 'select 1 from app.join_requests where user_id = $1', [teacher])).toBe(0)
  })
})
