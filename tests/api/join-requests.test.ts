// "A member asked to join" over HTTP, as the app calls it: an approval invite is refused by
// invite_redeem, a request (client-made id) is made once however often it is sent, only the
// branch's own secretaries see and answer it, and the answer reaches the asker.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { anonClient, newUser, signedInClient } from './env'

const BRANCH_B = '00000000-0000-4000-8000-000000000021'

describe('join requests over HTTP', () => {
  it('ask, retry, refuse the others, approve once, and the asker is a member', async () => {
    const secretary = await signedInClient('secretary2@demo.example', 'demo1234')
    const otherSecretary = await signedInClient('secretary1@demo.example', 'demo1234')
    const inviteId = randomUUID()
    const invite = await secretary.rpc('invite_create', {
      p_id: inviteId,
      p_org_id: BRANCH_B,
      p_expires_at: new Date(Date.now() + 7 * 86400_000).toISOString(),
      p_max_uses: 5,
      p_role: 'member',
    })
    expect(invite.error).toBeNull()
    expect((await otherSecretary.rpc('invite_set_approval', { p_invite_id: inviteId, p_needs_approval: true })).status).toBe(404)
    expect((await secretary.rpc('invite_set_approval', { p_invite_id: inviteId, p_needs_approval: true })).data.needs_approval).toBe(true)
    const code: string = invite.data.code

    const asker = await newUser()
    const preview = await asker.client.rpc('invite_preview', { p_code: code })
    expect(preview.data).toMatchObject({ needs_approval: true })

    // nobody skips the approval, and a refusal changes nothing
    const redeemed = await asker.client.rpc('invite_redeem', { p_code: code })
    expect({ status: redeemed.status, key: redeemed.error?.message }).toEqual({ status: 400, key: 'invite.needs_approval' })
    expect((await asker.client.rpc('my_context')).data.memberships).toEqual([])
    expect((await anonClient().rpc('join_request_create', { p_id: randomUUID(), p_code: code })).status).toBe(401)

    const id = randomUUID()
    const first = await asker.client.rpc('join_request_create', { p_id: id, p_code: code })
    expect(first.error).toBeNull()
    expect(first.data).toMatchObject({ id, status: 'pending', org_id: BRANCH_B })
    // a retry of the same request, and a second request with a new id, both give back the one request
    expect((await asker.client.rpc('join_request_create', { p_id: id, p_code: code })).data.id).toBe(id)
    expect((await asker.client.rpc('join_request_create', { p_id: randomUUID(), p_code: code })).data.id).toBe(id)

    const listed = await secretary.rpc('join_request_list')
    expect(listed.data.filter((r: { id: string }) => r.id === id)).toHaveLength(1)
    expect((await otherSecretary.rpc('join_request_list')).data.some((r: { id: string }) => r.id === id)).toBe(false)

    const outsider = await otherSecretary.rpc('join_request_answer', { p_id: id, p_approve: true })
    expect({ status: outsider.status, key: outsider.error?.message }).toEqual({ status: 404, key: 'join.not_found' })
    const self = await asker.client.rpc('join_request_answer', { p_id: id, p_approve: true })
    expect({ status: self.status, key: self.error?.message }).toEqual({ status: 403, key: 'join.not_allowed' })
    expect((await asker.client.rpc('my_context')).data.memberships).toEqual([])

    const approved = await secretary.rpc('join_request_answer', { p_id: id, p_approve: true })
    expect(approved.error).toBeNull()
    expect(approved.data.status).toBe('approved')
    expect((await secretary.rpc('join_request_answer', { p_id: id, p_approve: true })).data.status).toBe('approved')
    const opposite = await secretary.rpc('join_request_answer', { p_id: id, p_approve: false })
    expect({ status: opposite.status, key: opposite.error?.message }).toEqual({ status: 409, key: 'join.already_answered' })

    const memberships = (await asker.client.rpc('my_context')).data.memberships
    expect(memberships).toHaveLength(1)
    expect(memberships[0]).toMatchObject({ org_id: BRANCH_B, role: 'member' })
    const inbox = await asker.client.rpc('inbox_list')
    expect(inbox.data.items.filter((i: { kind: string }) => i.kind === 'join_approved')).toHaveLength(1)
    expect((await secretary.rpc('invite_list', { p_org_id: BRANCH_B })).data.find((i: { id: string }) => i.id === inviteId))
      .toMatchObject({ use_count: 1, needs_approval: true })
  })
})
