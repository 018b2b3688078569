import type { SupabaseClient } from '@supabase/supabase-js'
// Realtime contract between real supabase-js clients: broadcast, presence, private-channel refusal.
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { newUser } from './env'
import { drained, subscribe, waitFor } from './realtime-helpers'

const clients: SupabaseClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(c => c.removeAllChannels()))
})

async function twoUsers(): Promise<[SupabaseClient, SupabaseClient]> {
  const [a, b] = await Promise.all([newUser(), newUser()])
  clients.push(a.client, b.client)
  return [a.client, b.client]
}

describe('realtime', () => {
  it('delivers a client broadcast to the other subscriber, and to the sender only with self', async () => {
    const [a, b] = await twoUsers()
    const room = `room:${randomUUID()}`
    const gotA: unknown[] = []
    const gotB: unknown[] = []
    const chA = a.channel(room).on('broadcast', { event: 'ping' }, m => gotA.push(m))
    const chB = b.channel(room, { config: { broadcast: { self: true, ack: true } } }).on('broadcast', { event: 'ping' }, m => gotB.push(m))
    expect((await subscribe(chA)).status).toBe('SUBSCRIBED')
    expect((await subscribe(chB)).status).toBe('SUBSCRIBED')
    expect(await chA.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })).toBe('ok')
    await waitFor(() => gotB.length === 1)
    expect(gotB[0]).toMatchObject({ type: 'broadcast', event: 'ping', payload: { n: 1 } })
    // ack:true waits for the server's reply; self:true echoes back to the sender.
    expect(await chB.send({ type: 'broadcast', event: 'ping', payload: { n: 2 } })).toBe('ok')
    await waitFor(() => gotA.length === 1 && gotB.length === 2)
    // and nothing more for A: its own first message, had it been echoed, would be here by now
    await drained(a)
    expect(gotA.map(m => (m as { payload: unknown }).payload)).toEqual([{ n: 2 }])
  })

  it('shares presence between two clients and reports the leave', async () => {
    const [a, b] = await twoUsers()
    const room = `room:${randomUUID()}`
    const chA = a.channel(room, { config: { presence: { key: 'alice' } } })
    const leaves: string[] = []
    chA.on('presence', { event: 'sync' }, () => {}).on('presence', { event: 'leave' }, ({ key }) => leaves.push(key))
    const chB = b.channel(room, { config: { presence: { key: 'bob' } } }).on('presence', { event: 'sync' }, () => {})
    expect((await subscribe(chA)).status).toBe('SUBSCRIBED')
    expect((await subscribe(chB)).status).toBe('SUBSCRIBED')
    expect(await chA.track({ name: '甲' })).toBe('ok')
    expect(await chB.track({ name: '乙' })).toBe('ok')
    await waitFor(() => Object.keys(chA.presenceState()).length === 2 && Object.keys(chB.presenceState()).length === 2)
    expect(chA.presenceState().bob?.[0]).toMatchObject({ name: '乙' })
    await b.removeChannel(chB)
    await waitFor(() => leaves.includes('bob'))
    expect(Object.keys(chA.presenceState())).toEqual(['alice'])
  })

  it('refuses a private channel the user may not read', async () => {
    const [a] = await twoUsers()
    const topic = `topic:${randomUUID()}`
    const got: unknown[] = []
    const ch = a.channel(topic, { config: { private: true } }).on('broadcast', { event: '*' }, m => got.push(m))
    const res = await subscribe(ch)
    expect(res.status).toBe('CHANNEL_ERROR')
    expect(res.error?.message).toContain(`Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`)
  })
})
