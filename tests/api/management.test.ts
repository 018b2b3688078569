import type { SupabaseClient } from '@supabase/supabase-js'
// The management API through supabase-js over HTTP: status codes and error keys for refusals
// outside a secretary's subtree, idempotent retries with client-made ids, an imported roster
// attached at sign-up by phone, an existing member asked before joining, and invites refused once revoked or expired.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { anonClient, signedInClient, smsCode } from './env'

const branchA = '00000000-0000-4000-8000-000000000011'
const branchB = '00000000-0000-4000-8000-000000000021'
const school1 = '00000000-0000-4000-8000-000000000010'

let admin: SupabaseClient
let secretaryA: SupabaseClient
let secretaryB: SupabaseClient
let teacherA: SupabaseClient

beforeAll(async () => {
  admin = await signedInClient('admin@demo.example', 'demo1234')
  secretaryA = await signedInClient('secretary1@demo.example', 'demo1234')
  secretaryB = await signedInClient('secretary2@demo.example', 'demo1234')
  teacherA = await signedInClient('teacher1@demo.example', 'demo1234')
})

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`

describe('reach', () => {
  it('a secretary gets 404 outside their subtree and 403 above it; anonymous gets 401', async () => {
    const outside = await secretaryA.rpc('roster', { p_org_id: branchB })
    expect(outside.status).toBe(404)
    expect(outside.error?.message).toBe('admin.org_not_found')
    const above = await secretaryA.rpc('roster', { p_org_id: school1 })
    expect(above.status).toBe(403)
    expect(above.error?.message).toBe('admin.forbidden')
    const member = await teacherA.rpc('invite_list', { p_org_id: branchA })
    expect(member.status).toBe(403)
    expect((await anonClient().rpc('roster', { p_org_id: branchA })).status).toBe(401)
    const audit = await secretaryA.rpc('audit_log', {})
    expect(audit.status).toBe(403)
    expect((await admin.rpc('audit_log', { p_limit: 5 })).status).toBe(200)
  })

  it('role changes above one\'s own rank are refused with 403', async () => {
    const r = await secretaryA.rpc('roster', { p_org_id: branchA })
    const teacher = (r.data.members as { user_id: string, membership_id: string }[]).find(m => m.user_id === '00000000-0000-4000-a000-000000000004')!
    const refused = await secretaryA.rpc('member_set_role', { p_membership_id: teacher.membership_id, p_role: 'admin' })
    expect(refused.status).toBe(403)
    expect(refused.error?.message).toBe('admin.role_above_own')
  })
})

describe('organisations', () => {
  it('org_create is idempotent on its client-made id; bad kinds are 400', async () => {
    const id = randomUUID()
    const args = { p_id: id, p_parent_id: school1, p_kind: 'branch', p_name: `接口测试支部${id.slice(0, 4)}` }
    const a = await admin.rpc('org_create', args)
    const b = await admin.rpc('org_create', args)
    expect(a.status).toBe(200)
    expect(b.data).toEqual(a.data)
    const bad = await admin.rpc('org_create', { ...args, p_id: randomUUID(), p_parent_id: id, p_kind: 'branch' })
    expect(bad.status).toBe(400)
    expect(bad.error?.message).toBe('admin.kind_not_allowed')
    expect((await secretaryA.rpc('org_create', { ...args, p_id: randomUUID() })).status).toBe(403)
  })
})

describe('roster import and sign-up by phone', () => {
  it('a roster with a bad row saves the good one and lists the bad one by its Excel row; a retry answers the same', async () => {
    const good = phone()
    const rows = [{ name: '接口新老师', phone: good, org: '', role: '党员', line: 2 }, { name: '', phone: 'x', org: '', role: '', line: 3 }]
    const check = await secretaryB.rpc('roster_import_check', { p_org_id: branchB, p_rows: rows })
    expect(check.data.bad).toBe(1)
    expect(check.data.rows[1]).toMatchObject({ index: 1, row: 3 })
    const id = randomUUID()
    const before = await secretaryB.rpc('roster', { p_org_id: branchB })
    expect((before.data.pending as { phone: string }[]).some(p => p.phone === `86${good}`)).toBe(false)
    const saved = await secretaryB.rpc('roster_import', { p_id: id, p_org_id: branchB, p_rows: rows })
    expect(saved.data).toEqual({ import_id: id, total: 2, saved: 1, bad: [{ index: 1, row: 3, errors: ['name_required', 'phone_invalid'] }] })
    const again = await secretaryB.rpc('roster_import', { p_id: id, p_org_id: branchB, p_rows: rows })
    expect(again.data).toEqual(saved.data)
    const mid = await secretaryB.rpc('roster', { p_org_id: branchB })
    expect((mid.data.pending as { phone: string }[]).filter(p => p.phone === `86${good}`)).toHaveLength(1)

    // sign up with the phone number (GoTrue phone sign-up): the account lands in branch B
    const c = anonClient()
    const up = await c.auth.signUp({ phone: `+86${good}`, password: 'demo1234', options: { data: { display_name: '接口新老师' } } })
    expect(up.error).toBeNull()
    // the roster row waits for the SMS code (a phone is trusted only once verified)
    expect((await secretaryB.rpc('roster', { p_org_id: branchB })).data.pending.some((p: { phone: string }) => p.phone === `86${good}`)).toBe(true)
    expect((await c.auth.verifyOtp({ phone: `86${good}`, token: await smsCode(`86${good}`), type: 'sms' })).error).toBeNull()
    const ctx = await c.rpc('my_context')
    expect((ctx.data.memberships as { org_id: string, role: string }[]).map(m => [m.org_id, m.role])).toEqual([[branchB, 'member']])
    const after = await secretaryB.rpc('roster', { p_org_id: branchB })
    expect((after.data.pending as { phone: string }[]).some(p => p.phone === `86${good}`)).toBe(false)
  })
})

describe('requests to join from another organisation', () => {
  it('an existing member is asked, not added; only they may answer; a decline leaves nothing', async () => {
    const id = randomUUID()
    const saved = await secretaryB.rpc('roster_import', { p_id: id, p_org_id: branchB, p_rows: [{ name: '张老师', phone: '13800000004', org: '', role: '', line: 2 }] })
    expect(saved.data).toEqual({ import_id: id, total: 1, saved: 1, bad: [] })
    const reqs = await teacherA.rpc('my_roster_requests')
    expect(reqs.status).toBe(200)
    const req = (reqs.data as { id: string, org_id: string }[]).find(r => r.org_id === branchB)!
    expect(req).toBeTruthy()
    const ctx = await teacherA.rpc('my_context')
    expect((ctx.data.memberships as { org_id: string }[]).some(m => m.org_id === branchB)).toBe(false)
    const other = await secretaryA.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: true })
    expect([other.status, other.error?.message]).toEqual([404, 'admin.request_not_found'])
    expect((await anonClient().rpc('my_roster_requests')).status).toBe(401)
    const no = await teacherA.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: false })
    expect(no.data).toEqual({ id: req.id, org_id: branchB, accepted: false })
    const yes = await teacherA.rpc('roster_request_answer', { p_pending_id: req.id, p_accept: true })
    expect([yes.status, yes.error?.message]).toEqual([409, 'admin.request_answered'])
    expect(((await teacherA.rpc('my_roster_requests')).data as { org_id: string }[]).some(r => r.org_id === branchB)).toBe(false)
    const after = await teacherA.rpc('my_context')
    expect((after.data.memberships as { org_id: string }[]).some(m => m.org_id === branchB)).toBe(false)
  })
})

describe('invites', () => {
  it('a revoked or expired invite is refused at sign-up', async () => {
    const id = randomUUID()
    const expires = new Date(Date.now() + 86_400_000).toISOString()
    const inv = await secretaryA.rpc('invite_create', { p_id: id, p_org_id: branchA, p_expires_at: expires, p_max_uses: 10, p_role: 'member' })
    expect(inv.status).toBe(200)
    const retry = await secretaryA.rpc('invite_create', { p_id: id, p_org_id: branchA, p_expires_at: expires, p_max_uses: 10, p_role: 'member' })
    expect(retry.data.code).toBe(inv.data.code)
    expect((await secretaryB.rpc('invite_revoke', { p_invite_id: id })).status).toBe(404)
    expect((await secretaryA.rpc('invite_revoke', { p_invite_id: id })).data.status).toBe('revoked')
    const preview = await anonClient().rpc('invite_preview', { p_code: inv.data.code })
    expect(preview.error?.message).toBe('invite.revoked')

    const id2 = randomUUID()
    const inv2 = await secretaryA.rpc('invite_create', { p_id: id2, p_org_id: branchA, p_expires_at: expires, p_max_uses: null, p_role: 'member' })
    // an expiry in the past cannot be made (expired invites refused at redeem: supabase/tests/management.test.ts)
    const past = await secretaryA.rpc('invite_create', { p_id: randomUUID(), p_org_id: branchA, p_expires_at: new Date(Date.now() - 60_000).toISOString(), p_max_uses: 1 })
    expect(past.status).toBe(400)
    expect(past.error?.message).toBe('admin.expiry_past')
    expect(inv2.status).toBe(200)
  })
})

describe('reports', () => {
  it('the bureau report has every organisation; a secretary\'s report only theirs', async () => {
    const from = `${new Date().getFullYear()}-01-01`
    const to = new Date().toISOString().slice(0, 10)
    const all = await admin.rpc('report_bureau', { p_from: from, p_to: to })
    expect(all.status).toBe(200)
    expect((all.data.orgs as { id: string }[]).map(o => o.id)).toEqual(expect.arrayContaining([branchA, branchB]))
    const mine = await secretaryA.rpc('report_org', { p_org_id: branchA, p_from: from, p_to: to })
    expect((mine.data.orgs as { id: string }[]).map(o => o.id)).toEqual([branchA])
    const bad = await secretaryA.rpc('report_org', { p_org_id: branchA, p_from: to, p_to: from })
    expect(bad.status).toBe(400)
    expect(bad.error?.message).toBe('admin.period_order')
    const hours = await teacherA.rpc('my_study_hours', { p_from: from, p_to: to })
    expect(hours.status).toBe(200)
    expect(typeof hours.data.session_minutes).toBe('number')
  })
})
