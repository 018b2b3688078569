import type { SupabaseClient } from '@supabase/supabase-js'
// Check-in through supabase-js over HTTP: every refusal the issue lists, each with its error
// key and no row added, the friendly repeat, offline claims, the attempt limit, and the live count on attendance:<id>.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signedInClient } from './env'
import { subscribe, waitFor } from './realtime-helpers'

const BRANCH_A = '00000000-0000-4000-8000-000000000011'
let secretary: SupabaseClient
let teacher1: SupabaseClient
let teacher2: SupabaseClient
let teacherB: SupabaseClient

async function call<T = any>(c: SupabaseClient, fn: string, args: Record<string, unknown>): Promise<T> {
  const { data, error } = await c.rpc(fn, args)
  if (error)
    throw Object.assign(new Error(error.message), { key: error.message, details: error.details, hint: error.hint })
  return data as T
}

async function refused(p: Promise<unknown>, key: string) {
  await expect(p).rejects.toMatchObject({ key })
}

async function newSession(startMin: number, title = 'API 测试会议'): Promise<string> {
  const id = randomUUID()
  await call(secretary, 'session_save', {
    p_id: id,
    p_org_id: BRANCH_A,
    p_kind: 'general_meeting',
    p_title: title,
    p_starts_at: new Date(Date.now() + startMin * 60_000).toISOString(),
    p_duration_minutes: 60,
    p_place: '党员活动室',
  })
  return id
}

const counts = async (s: string) => (await call(secretary, 'session_counts', { p_session_id: s })) as { present: number, late: number, expected: number }
async function checkedIn(s: string) {
  const c = await counts(s)
  return c.present + c.late
}

beforeAll(async () => {
  ;[secretary, teacher1, teacher2, teacherB] = await Promise.all([
    signedInClient('secretary1@demo.example', 'demo1234'),
    signedInClient('teacher1@demo.example', 'demo1234'),
    signedInClient('teacher2@demo.example', 'demo1234'),
    signedInClient('teacher4@demo.example', 'demo1234'),
  ])
})
afterAll(async () => {
  await Promise.all([secretary, teacher1, teacher2, teacherB].map(c => c?.removeAllChannels()))
})

describe('check-in over HTTP', () => {
  it('checks in with the code on the organiser screen; a second check-in is acknowledged, not an error', async () => {
    const s = await newSession(10)
    const { code } = await call(secretary, 'session_code_now', { p_session_id: s })
    const first = await call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code, p_method: 'code' })
    expect(first).toMatchObject({ status: 'ok', checkin: { status: 'present' } })
    const again = await call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code, p_method: 'code' })
    expect(again).toMatchObject({ status: 'already', checkin: { id: first.checkin.id } })
    expect(await checkedIn(s)).toBe(1)
  })

  it('refuses a code of another session, a check-in for someone not expected, another member\'s id', async () => {
    const s = await newSession(10)
    const other = await newSession(10, '另一场')
    const mine = (await call(secretary, 'session_code_now', { p_session_id: s })).code as string
    const foreign = (await call(secretary, 'session_code_now', { p_session_id: other })).code as string
    if (foreign !== mine)
      await refused(call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: foreign }), 'checkin.code_invalid')
    await refused(call(teacherB, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: mine }), 'checkin.not_expected')
    const id = randomUUID()
    await call(teacher1, 'session_check_in', { p_id: id, p_session_id: s, p_code: mine })
    await refused(call(teacher2, 'session_check_in', { p_id: id, p_session_id: s, p_code: mine }), 'checkin.id_conflict')
    await refused(call(teacher1, 'session_code_now', { p_session_id: s }), 'sessions.forbidden')
    expect(await checkedIn(s)).toBe(1)
  })

  it('refuses before the window (telling when it opens) and after it', async () => {
    const early = await newSession(120)
    const late = await newSession(-120)
    const e = await call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: early, p_code: '123456' }).catch(err => err)
    expect(e.key).toBe('checkin.not_open')
    const s = await call(teacher1, 'session_detail', { p_session_id: early })
    expect(new Date(e.details ?? e.hint).getTime()).toBe(new Date(s.checkin_opens_at).getTime())
    await refused(call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: late, p_code: '123456' }), 'checkin.closed')
    expect(await checkedIn(early) + await checkedIn(late)).toBe(0)
  })

  it('offline: refuses a claimed time in the future or outside the window', async () => {
    const s = await newSession(-5) // window: 35 minutes ago .. 10 minutes from now
    const { code } = await call(secretary, 'session_code_now', { p_session_id: s })
    const future = new Date(Date.now() + 5 * 60_000).toISOString()
    const before = new Date(Date.now() - 40 * 60_000).toISOString()
    await refused(call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code, p_claimed_at: future }), 'checkin.claimed_in_future')
    await refused(call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code, p_claimed_at: before }), 'checkin.outside_window')
    expect(await checkedIn(s)).toBe(0)
  })

  it('grace period: present inside it (default 5 minutes after the start), late after it', async () => {
    // sessions that started in the past stand in for waiting
    const checkIn = async (s: string) => {
      const { code } = await call(secretary, 'session_code_now', { p_session_id: s })
      return (await call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code })).checkin.status
    }
    expect(await checkIn(await newSession(-3))).toBe('present')
    expect(await checkIn(await newSession(-8))).toBe('late')
    const s = randomUUID()
    const saved = await call(secretary, 'session_save', {
      p_id: s,
      p_org_id: BRANCH_A,
      p_kind: 'lecture',
      p_title: '宽限十分钟',
      p_starts_at: new Date(Date.now() - 8 * 60_000).toISOString(),
      p_duration_minutes: 60,
      p_late_after_minutes: 10,
    })
    expect(saved.late_after_minutes).toBe(10)
    expect(await checkIn(s)).toBe('present')
  })

  it('guessing at full speed: ten wrong codes answer 400 code_invalid, then 429 too_many_attempts even for the right code; nothing checked in', async () => {
    const s = await newSession(10)
    const { code } = await call(secretary, 'session_code_now', { p_session_id: s })
    const wrong = code === '000000' ? '000001' : '000000'
    const answers = await Promise.all(Array.from({ length: 30 }, () =>
      teacher1.rpc('session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: wrong })))
    const byKey = new Map<string, number>()
    for (const a of answers) byKey.set(`${a.status} ${a.error?.message}`, (byKey.get(`${a.status} ${a.error?.message}`) ?? 0) + 1)
    // at most ten codes were compared, however many were sent at once
    expect(Object.fromEntries(byKey)).toEqual({ '400 checkin.code_invalid': 10, '429 checkin.too_many_attempts': 20 })
    expect(answers.find(a => a.status === 429)!.error).toMatchObject({ code: 'PT429' })
    const right = await teacher1.rpc('session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code })
    expect(right.status).toBe(429)
    expect(await checkedIn(s)).toBe(0)
  })

  it('the live counts go to attendance:<id> for the organiser; a member may not join it, and session:<id> carries no counts', async () => {
    const s = await newSession(10)
    const seen: number[] = []
    const ch = secretary.channel(`attendance:${s}`, { config: { private: true } })
      .on('broadcast', { event: 'attendance' }, (m) => { seen.push((m.payload as any).counts.present) })
    expect((await subscribe(ch)).status).toBe('SUBSCRIBED')
    const memberSeen: unknown[] = []
    const member = teacher2.channel(`session:${s}`, { config: { private: true } })
      .on('broadcast', { event: '*' }, (m) => { memberSeen.push(m.payload) })
    expect((await subscribe(member)).status).toBe('SUBSCRIBED')
    await refused(call(teacher2, 'session_counts', { p_session_id: s }), 'sessions.forbidden')
    for (const c of [teacher2, teacherB]) {
      const denied = c.channel(`attendance:${s}`, { config: { private: true } })
      expect((await subscribe(denied)).status).toBe('CHANNEL_ERROR')
      await c.removeChannel(denied)
    }
    const { code } = await call(secretary, 'session_code_now', { p_session_id: s })
    await call(teacher1, 'session_check_in', { p_id: randomUUID(), p_session_id: s, p_code: code })
    await waitFor(() => seen.includes(1), 5000)
    expect(memberSeen).toEqual([])
    await secretary.removeChannel(ch)
    await teacher2.removeChannel(member)
  })
})

describe('leave and the sheet over HTTP', () => {
  it('leave is asked, approved and shows on the sheet as excused; the export data has every expected member', async () => {
    const s = await newSession(60)
    const id = randomUUID()
    await refused(call(teacher2, 'leave_request', { p_id: id, p_session_id: s, p_reason: '' }), 'leave.reason_required')
    await call(teacher2, 'leave_request', { p_id: id, p_session_id: s, p_reason: '出差' })
    await refused(call(teacher1, 'leave_decide', { p_leave_id: id, p_approve: true }), 'leave.not_found')
    await call(secretary, 'leave_decide', { p_leave_id: id, p_approve: true })
    const sheet = await call(secretary, 'attendance_sheet', { p_session_id: s })
    expect(sheet.rows.find((r: any) => r.display_name === '陈老师（示例）')).toMatchObject({ status: 'excused', leave: { status: 'approved' } })
    expect(sheet.counts.excused).toBe(1)
    await refused(call(teacher1, 'attendance_sheet', { p_session_id: s }), 'sessions.forbidden')
  })
})
