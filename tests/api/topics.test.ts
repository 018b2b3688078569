// Topics through supabase-js over HTTP and the realtime websocket, as the app calls them.
import type { SupabaseClient } from '@supabase/supabase-js'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUser, signedInClient } from './env'
import { drained, subscribe, waitFor } from './realtime-helpers'

// seeds/20_topics.sql and seeds/00_core.sql
const BRANCH_TOPIC = '00000000-0000-4000-9300-000000000005'
const COUNTY_TOPIC = '00000000-0000-4000-9300-000000000001'
const CLOSED_TOPIC = '00000000-0000-4000-9300-000000000004'
const BRANCH_A = '00000000-0000-4000-8000-000000000011'

let teacherA: SupabaseClient
let teacherB: SupabaseClient
let secretaryA: SupabaseClient

/** A fresh member of branch A (through the demo invite), so rate limits start at zero. */
async function freshMember(): Promise<SupabaseClient> {
  const u = await newUser({ display_name: '新党员' })
  const r = await u.client.rpc('invite_redeem', { p_code: 'DEMO2026' })
  expect(r.error).toBeNull()
  return u.client
}

beforeAll(async () => {
  teacherA = await signedInClient('teacher1@demo.example', 'demo1234')
  teacherB = await signedInClient('teacher4@demo.example', 'demo1234')
  secretaryA = await signedInClient('secretary1@demo.example', 'demo1234')
})
afterAll(async () => {
  await Promise.all([teacherA, teacherB, secretaryA].map(c => c?.removeAllChannels()))
})

describe('topics over the API', () => {
  it('a branch topic is invisible outside its branch (404 with the stable key)', async () => {
    const outside = await teacherB.rpc('topic_detail', { p_topic_id: BRANCH_TOPIC })
    expect([outside.status, outside.error?.message]).toEqual([404, 'topics.not_found'])
    const list = await teacherB.rpc('topic_list')
    expect(list.data.map((t: { id: string }) => t.id)).not.toContain(BRANCH_TOPIC)
    const inside = await teacherA.rpc('topic_detail', { p_topic_id: BRANCH_TOPIC })
    expect(inside.status).toBe(200)
    expect(inside.data).toMatchObject({ id: BRANCH_TOPIC, status: 'open', can_post: true, can_manage: false })
  })

  it('posting validates, is idempotent by client id, refuses closed topics and other members\' posts', async () => {
    const me = await freshMember()
    const id = randomUUID()
    const args = { p_id: id, p_topic_id: BRANCH_TOPIC, p_body: '通过接口发言', p_quote_post_id: null }
    const first = await me.rpc('topic_post_create', args)
    expect(first.status).toBe(200)
    const again = await me.rpc('topic_post_create', args)
    expect(again.data).toEqual(first.data)
    const empty = await me.rpc('topic_post_create', { ...args, p_id: randomUUID(), p_body: '  ' })
    expect([empty.status, empty.error?.message]).toEqual([400, 'topics.body_required'])
    const closed = await me.rpc('topic_post_create', { ...args, p_id: randomUUID(), p_topic_id: CLOSED_TOPIC })
    expect([closed.status, closed.error?.message]).toEqual([400, 'topics.topic_closed'])
    const edit = await teacherA.rpc('topic_post_edit', { p_post_id: id, p_body: '改别人的' })
    expect([edit.status, edit.error?.message]).toEqual([403, 'topics.not_author'])
    const del = await teacherA.rpc('topic_post_delete', { p_post_id: id })
    expect([del.status, del.error?.message]).toEqual([403, 'topics.not_author'])
    const mine = await me.rpc('topic_post_detail', { p_post_id: id })
    expect(mine.data).toMatchObject({ body: '通过接口发言', deleted: false })
  })

  it('rate-limits a member with 429 topics.rate_limited', async () => {
    const me = await freshMember()
    for (let i = 0; i < 5; i++) {
      const r = await me.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: COUNTY_TOPIC, p_body: `第${i + 1}条`, p_quote_post_id: null })
      expect(r.status).toBe(200)
    }
    const sixth = await me.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: COUNTY_TOPIC, p_body: '第6条', p_quote_post_id: null })
    expect([sixth.status, sixth.error?.message]).toEqual([429, 'topics.rate_limited'])
  })

  it('hiding is for secretaries only', async () => {
    const me = await freshMember()
    const id = randomUUID()
    await me.rpc('topic_post_create', { p_id: id, p_topic_id: BRANCH_TOPIC, p_body: '待审核', p_quote_post_id: null })
    const byTeacher = await teacherA.rpc('topic_post_moderate', { p_post_id: id, p_action: 'hide', p_reason: '无' })
    expect([byTeacher.status, byTeacher.error?.message]).toEqual([403, 'topics.not_allowed'])
    const bySecretary = await secretaryA.rpc('topic_post_moderate', { p_post_id: id, p_action: 'hide', p_reason: '与主题无关' })
    expect(bySecretary.data).toMatchObject({ hidden: true, hidden_reason: '与主题无关' })
    const seenByOther = await teacherA.rpc('topic_post_detail', { p_post_id: id })
    expect(seenByOther.data).toMatchObject({ hidden: true, body: null, hidden_reason: null })
    const seenByAuthor = await me.rpc('topic_post_detail', { p_post_id: id })
    expect(seenByAuthor.data).toMatchObject({ hidden: true, body: '待审核', hidden_reason: '与主题无关' })
  })

  it('live: members who may see the topic get the new post id; others cannot join or hear it', async () => {
    const got: { event: string, payload: any }[] = []
    const chA = teacherA.channel(`topic:${BRANCH_TOPIC}`, { config: { private: true } })
      .on('broadcast', { event: '*' }, m => got.push(m as never))
    expect((await subscribe(chA)).status).toBe('SUBSCRIBED')
    const chB = teacherB.channel(`topic:${BRANCH_TOPIC}`, { config: { private: true } })
    expect((await subscribe(chB)).status).toBe('CHANNEL_ERROR')
    const orgB: unknown[] = []
    const chOrg = teacherB.channel(`org:${BRANCH_A}`, { config: { private: true } }).on('broadcast', { event: '*' }, m => orgB.push(m))
    expect((await subscribe(chOrg)).status).toBe('CHANNEL_ERROR')
    // a member of branch A on its channel, who hears the post's topic_activity there
    const orgA: { event: string, payload: any }[] = []
    const chOrgA = teacherA.channel(`org:${BRANCH_A}`, { config: { private: true } }).on('broadcast', { event: '*' }, m => orgA.push(m as never))
    expect((await subscribe(chOrgA)).status).toBe('SUBSCRIBED')

    const me = await freshMember()
    const id = randomUUID()
    const sentAt = Date.now()
    await me.rpc('topic_post_create', { p_id: id, p_topic_id: BRANCH_TOPIC, p_body: '实时', p_quote_post_id: null })
    const msg = await waitFor(() => got.find(m => m.event === 'post_created' && m.payload.post_id === id), 2000)
    expect(Date.now() - sentAt).toBeLessThan(2000)
    expect(msg.payload).toMatchObject({ post_id: id, topic_id: BRANCH_TOPIC })
    // ids only: no words travel over the socket
    expect(JSON.stringify(msg.payload)).not.toContain('实时')
    // once the org channel's message has reached a member who may hear it, and everything sent
    // to B before now has arrived, B has heard nothing
    await waitFor(() => orgA.find(m => m.event === 'topic_activity' && m.payload.topic_id === BRANCH_TOPIC), 2000)
    await drained(teacherB)
    expect(orgB).toEqual([])
    await teacherA.removeChannel(chA)
    await teacherA.removeChannel(chOrgA)
  })

  it('feed pages by keyset cursor, passed back as received', async () => {
    const p1 = await teacherA.rpc('topic_feed', { p_topic_id: COUNTY_TOPIC, p_after_created_at: null, p_after_id: null, p_limit: 2 })
    expect(p1.data.items).toHaveLength(2)
    expect(p1.data.next).not.toBeNull()
    const p2 = await teacherA.rpc('topic_feed', { p_topic_id: COUNTY_TOPIC, p_after_created_at: p1.data.next.created_at, p_after_id: p1.data.next.id, p_limit: 2 })
    expect(p2.data.items[0].id).not.toBe(p1.data.items[1].id)
    expect(new Date(p2.data.items[0].created_at) >= new Date(p1.data.items[1].created_at)).toBe(true)
  })
})
