import type { SupabaseClient } from '@supabase/supabase-js'
// The readings API through supabase-js over HTTP: status codes, error keys, idempotent retries,
// who sees what. Demo accounts read; new members (joined through the demo invite) write.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { anonClient, newUser, signedInClient } from './env'

const R = (n: number) => `00000000-0000-4000-9100-${String(n).padStart(12, '0')}`
const S = (r: number, s: number) => `00000000-0000-4000-9200-${String(r).padStart(8, '0')}${String(s).padStart(4, '0')}`
const countyPlan = '00000000-0000-4000-9300-000000000001'
const branchAPlan = '00000000-0000-4000-9300-000000000002'

let secretaryA: SupabaseClient
let teacherB: SupabaseClient
let memberA: { id: string, client: SupabaseClient }

beforeAll(async () => {
  secretaryA = await signedInClient('secretary1@demo.example', 'demo1234')
  teacherB = await signedInClient('teacher4@demo.example', 'demo1234')
  const u = await newUser({ display_name: '接口测试老师' })
  const joined = await u.client.rpc('invite_redeem', { p_code: 'DEMO2026' })
  expect(joined.error).toBeNull()
  memberA = { id: u.id, client: u.client }
})

describe('reading through the API', () => {
  it('a member of branch A sees the county plan and the branch plan; branch B gets 404 for the branch plan', async () => {
    const list = await memberA.client.rpc('plan_list')
    expect(list.error).toBeNull()
    expect((list.data as { id: string }[]).map(p => p.id).sort()).toEqual([countyPlan, branchAPlan].sort())
    const refused = await teacherB.rpc('plan_detail', { p_plan_id: branchAPlan })
    expect(refused.status).toBe(404)
    expect(refused.error?.message).toBe('readings.plan_not_found')
  })

  it('anonymous callers are refused', async () => {
    const r = await anonClient().rpc('plan_list')
    expect(r.status).toBe(401)
  })

  it('a malformed id is a 400 and changes nothing', async () => {
    const r = await memberA.client.rpc('section_tick', { p_section_id: 'not-a-uuid', p_read: true })
    expect(r.status).toBe(400)
    const d = await memberA.client.rpc('reading_detail', { p_reading_id: R(1) })
    expect((d.data as { sections: { read_at: string | null }[] }).sections.every(s => !s.read_at)).toBe(true)
  })
})

describe('ticks over HTTP', () => {
  it('tick, retry, untick, retry: idempotent, and only mine', async () => {
    const c = memberA.client
    const first = await c.rpc('section_tick', { p_section_id: S(1, 2), p_read: true, p_client_time: new Date(Date.now() - 60_000).toISOString() })
    expect(first.error).toBeNull()
    const retry = await c.rpc('section_tick', { p_section_id: S(1, 2), p_read: true, p_client_time: new Date().toISOString() })
    expect(retry.data).toEqual(first.data)
    const detail = await c.rpc('reading_detail', { p_reading_id: R(1) })
    expect((detail.data as { sections: { id: string, read_at: string | null }[] }).sections.filter(s => s.read_at).map(s => s.id)).toEqual([S(1, 2)])
    expect((await c.rpc('section_tick', { p_section_id: S(1, 2), p_read: false })).error).toBeNull()
    expect((await c.rpc('section_tick', { p_section_id: S(1, 2), p_read: false })).error).toBeNull()
    // read again: the next describe's secretary counts it
    expect((await c.rpc('section_tick', { p_section_id: S(1, 2), p_read: true })).error).toBeNull()
  })

  it('bad input answers 400 with the key; an unknown section 404', async () => {
    const bad = await memberA.client.rpc('section_tick', { p_section_id: S(1, 1), p_read: null })
    expect(bad.status).toBe(400)
    expect(bad.error?.message).toBe('readings.read_required')
    const missing = await memberA.client.rpc('section_tick', { p_section_id: randomUUID(), p_read: true })
    expect(missing.status).toBe(404)
    expect(missing.error?.message).toBe('readings.section_not_found')
  })
})

describe('notes and the secretary', () => {
  it('the secretary sees the member\'s ticks and shared note, never the private one', async () => {
    const priv = randomUUID()
    const shared = randomUUID()
    expect((await memberA.client.rpc('note_save', { p_id: priv, p_reading_id: R(2), p_body: '只给自己看的心得' })).error).toBeNull()
    expect((await memberA.client.rpc('note_save', { p_id: shared, p_reading_id: R(1), p_body: '分享给支部的心得', p_visibility: 'branch' })).error).toBeNull()
    const p = await secretaryA.rpc('plan_progress', { p_plan_id: countyPlan })
    expect(p.error).toBeNull()
    const data = p.data as { members: { user_id: string, cells: number[] }[], shared_notes: { id: string }[] }
    expect(data.members.find(m => m.user_id === memberA.id)?.cells[0]).toBe(1)
    expect(data.shared_notes.map(n => n.id)).toContain(shared)
    expect(JSON.stringify(data)).not.toContain(priv)
    expect(JSON.stringify(data)).not.toContain('只给自己看的心得')
    // and another branch sees neither
    const b = await teacherB.rpc('reading_detail', { p_reading_id: R(1) })
    expect(JSON.stringify(b.data)).not.toContain(shared)
  })

  it('a save from a stale device says it overwrote a newer version; a retry of the same save does not', async () => {
    const id = randomUUID()
    const c = memberA.client
    await c.rpc('note_save', { p_id: id, p_reading_id: R(3), p_body: 'v1' })
    const phone = await c.rpc('note_save', { p_id: id, p_reading_id: R(3), p_body: '手机', p_base_version: 1 })
    expect(phone.data).toMatchObject({ overwrote_newer: false, note: { version: 2 } })
    const tablet = await c.rpc('note_save', { p_id: id, p_reading_id: R(3), p_body: '平板', p_base_version: 1 })
    expect(tablet.data).toMatchObject({ overwrote_newer: true, note: { version: 3, body: '平板' } })
    const retry = await c.rpc('note_save', { p_id: id, p_reading_id: R(3), p_body: '平板', p_base_version: 1 })
    expect(retry.data).toMatchObject({ overwrote_newer: false, note: { version: 3 } })
  })

  it('plan_progress is 403 for a member and for another branch\'s secretary', async () => {
    const r = await memberA.client.rpc('plan_progress', { p_plan_id: countyPlan })
    expect(r.status).toBe(403)
    expect(r.error?.message).toBe('readings.not_allowed')
    const other = await secretaryA.rpc('plan_progress', { p_plan_id: countyPlan, p_org_id: '00000000-0000-4000-8000-000000000021' })
    expect(other.status).toBe(403)
  })

  it('plan_create retried with the same id returns the same plan once', async () => {
    const id = randomUUID()
    const due = new Date(Date.now() + 7 * 864e5).toISOString().slice(0, 10)
    const args = { p_id: id, p_org_ids: ['00000000-0000-4000-8000-000000000011'], p_title: '接口测试计划', p_due_on: due, p_reading_ids: [R(1)] }
    const a = await secretaryA.rpc('plan_create', args)
    const b = await secretaryA.rpc('plan_create', args)
    expect(a.error).toBeNull()
    expect(b.data).toEqual(a.data)
    const past = await secretaryA.rpc('plan_create', { ...args, p_id: randomUUID(), p_due_on: '2020-01-01' })
    expect(past.status).toBe(400)
    expect(past.error?.message).toBe('readings.due_in_past')
  })
})
