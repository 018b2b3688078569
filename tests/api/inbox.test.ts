import type { SupabaseClient } from '@supabase/supabase-js'
// The inbox over HTTP and the live count over a private realtime channel, as the app uses them.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { signedInClient } from './env'
import { subscribe, waitFor } from './realtime-helpers'

const BRANCH_A = '00000000-0000-4000-8000-000000000011'
const TEACHER_A = '00000000-0000-4000-a000-000000000004'
const clients: SupabaseClient[] = []
afterAll(async () => {
  await Promise.all(clients.map(c => c.removeAllChannels()))
})

describe('inbox over HTTP and realtime', () => {
  it('a session moved by the secretary reaches the teacher\'s user:<uuid> channel with the new count; another member cannot join it', async () => {
    const teacher = await signedInClient('teacher1@demo.example', 'demo1234')
    const secretary = await signedInClient('secretary1@demo.example', 'demo1234')
    const other = await signedInClient('teacher2@demo.example', 'demo1234')
    clients.push(teacher, secretary, other)
    const { data: d0, error: e0 } = await teacher.rpc('inbox_unread')
    expect(e0).toBeNull()

    const heard: number[] = []
    const { data: s } = await teacher.auth.getSession()
    await teacher.realtime.setAuth(s.session!.access_token)
    const ch = teacher.channel(`user:${TEACHER_A}`, { config: { private: true } })
    ch.on('broadcast', { event: 'inbox' }, ({ payload }) => heard.push(payload.unread))
    expect((await subscribe(ch)).status).toBe('SUBSCRIBED')

    const { data: s2 } = await other.auth.getSession()
    await other.realtime.setAuth(s2.session!.access_token)
    const spy = other.channel(`user:${TEACHER_A}`, { config: { private: true } })
    expect((await subscribe(spy)).status).not.toBe('SUBSCRIBED')

    // The api files share one stack and run side by side: other files' sessions and plans for
    // branch A reach this teacher too, so the count heard is at least (not exactly) one more per
    // message of ours, and each of ours is looked for by its link.
    const id = randomUUID()
    const ours = async (kind: string) => ((await teacher.rpc('inbox_list')).data.items as { kind: string, link: string }[])
      .filter(i => i.kind === kind && i.link === `/sessions/${id}`)
    const args = { p_id: id, p_org_id: BRANCH_A, p_kind: 'party_class', p_title: 'API 消息', p_duration_minutes: 60, p_starts_at: new Date(Date.now() + 72 * 3600_000).toISOString(), p_place: '党员活动室' }
    expect((await secretary.rpc('session_save', args)).error).toBeNull()
    const first = await waitFor(() => heard.find(n => n >= d0.unread + 1), 5000)
    expect(await ours('session_scheduled')).toHaveLength(1)
    expect((await secretary.rpc('session_save', { ...args, p_place: '三楼' })).error).toBeNull()
    await waitFor(() => heard.find(n => n >= first + 1), 5000)
    expect(await ours('session_moved')).toHaveLength(1)

    const { error } = await teacher.rpc('inbox_mark_read', { p_id: randomUUID() })
    expect(error?.message).toBe('inbox.not_found')
  })
})
