import type { SupabaseClient } from '@supabase/supabase-js'
// Research articles through supabase-js over HTTP: the status each refusal maps to, idempotent
// retries of saves and submissions, and the way of an article from a new member's draft to the
// bureau's collection. The writer is a new member of branch A (joined through the demo invite).
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { anonClient, newUser, signedInClient } from './env'

let secretaryA: SupabaseClient
let secretaryB: SupabaseClient
let admin: SupabaseClient
let writer: SupabaseClient
const body = '## 一、背景\n\n这是一段足够长的正文，用来通过接口提交调研文章。'

beforeAll(async () => {
  secretaryA = await signedInClient('secretary1@demo.example', 'demo1234')
  secretaryB = await signedInClient('secretary2@demo.example', 'demo1234')
  admin = await signedInClient('admin@demo.example', 'demo1234')
  const u = await newUser({ display_name: '调研接口老师' })
  expect((await u.client.rpc('invite_redeem', { p_code: 'DEMO2026' })).error).toBeNull()
  writer = u.client
})

describe('research articles over HTTP', () => {
  it('anonymous callers get 401; bad input is a 400 with its key', async () => {
    expect((await anonClient().rpc('my_research_articles')).status).toBe(401)
    const r = await writer.rpc('research_draft_save', { p_id: randomUUID(), p_title: 'x'.repeat(81), p_body: '', p_rev: 1 })
    expect(r.status).toBe(400)
    expect(r.error?.message).toBe('research.title_too_long')
    expect((await writer.rpc('research_draft_save', { p_id: 'not-a-uuid', p_title: '', p_body: '', p_rev: 1 })).status).toBe(400)
    expect((await writer.rpc('my_research_articles')).data).toEqual([])
  })

  it('a retried save returns the first result and adds no row; an older save never wins', async () => {
    const id = randomUUID()
    const first = await writer.rpc('research_draft_save', { p_id: id, p_title: '题', p_body: '一', p_rev: 1 })
    expect(first.error).toBeNull()
    const again = await writer.rpc('research_draft_save', { p_id: id, p_title: '题', p_body: '一', p_rev: 1 })
    expect(again.data.rev).toBe(1)
    await writer.rpc('research_draft_save', { p_id: id, p_title: '题', p_body: '一二', p_rev: 2 })
    const stale = await writer.rpc('research_draft_save', { p_id: id, p_title: '题', p_body: '一', p_rev: 1 })
    expect(stale.data.body).toBe('一二')
    const mine = (await writer.rpc('my_research_articles')).data as { id: string }[]
    expect(mine.filter(a => a.id === id)).toHaveLength(1)
  })

  it('draft → submitted → returned → submitted → recommended → selected, with 403/404/409 on the way', async () => {
    const id = randomUUID()
    expect((await writer.rpc('research_draft_save', { p_id: id, p_title: '接口调研文章', p_body: body, p_rev: 1 })).error).toBeNull()
    expect((await writer.rpc('research_article_submit', { p_id: id })).data.state).toBe('submitted')
    // another school's secretary cannot see it
    const other = await secretaryB.rpc('research_article_review', { p_id: id, p_decision: 'recommend', p_comment: '' })
    expect(other.status).toBe(404)
    expect(other.error?.message).toBe('research.article_not_found')
    // the writer cannot review their own
    expect((await writer.rpc('research_article_review', { p_id: id, p_decision: 'recommend', p_comment: '' })).status).toBe(403)
    const ret = await secretaryA.rpc('research_article_review', { p_id: id, p_decision: 'return', p_comment: '请补充数据' })
    expect(ret.data.state).toBe('returned')
    const twice = await secretaryA.rpc('research_article_review', { p_id: id, p_decision: 'return', p_comment: '请补充数据' })
    expect(twice.status).toBe(409)
    expect(twice.error?.message).toBe('research.wrong_state')
    const seen = await writer.rpc('research_article', { p_id: id })
    expect(seen.data.events.at(-1)).toMatchObject({ action: 'return', comment: '请补充数据' })
    await writer.rpc('research_draft_save', { p_id: id, p_title: '接口调研文章', p_body: `${body}\n\n数据。`, p_rev: 2 })
    expect((await writer.rpc('research_article_submit', { p_id: id })).data.state).toBe('submitted')
    expect((await secretaryA.rpc('research_article_review', { p_id: id, p_decision: 'recommend', p_comment: '' })).data.state).toBe('recommended')
    expect((await secretaryA.rpc('research_article_select', { p_id: id })).status).toBe(403)
    expect((await admin.rpc('research_article_select', { p_id: id })).data.state).toBe('selected')
    const book = await admin.rpc('research_collection', {})
    expect((book.data.articles as { id: string, author_name: string }[]).find(a => a.id === id)?.author_name).toBe('调研接口老师')
  })

  it('topics: published, retired (403 for others, 409 for a link to a retired one), restored; a retry changes nothing more', async () => {
    const id = randomUUID()
    expect((await admin.rpc('research_topic_save', { p_id: id, p_org_id: '00000000-0000-4000-8000-000000000001', p_title: '接口课题', p_brief: '简介' })).error).toBeNull()
    const refused = await secretaryA.rpc('research_topic_retire', { p_id: id })
    expect([refused.status, refused.error?.message]).toEqual([403, 'research.not_allowed'])
    expect((await admin.rpc('research_topic_retire', { p_id: randomUUID() })).status).toBe(404)
    const first = await admin.rpc('research_topic_retire', { p_id: id })
    expect(first.data.retired_at).toBeTruthy()
    expect((await admin.rpc('research_topic_retire', { p_id: id })).data).toEqual(first.data)
    expect(((await writer.rpc('research_topics')).data as { id: string }[]).map(t => t.id)).not.toContain(id)
    // a 专题调研 session of branch A cannot take it up now
    const s = randomUUID()
    const start = new Date(Date.now() + 86_400_000).toISOString()
    expect((await secretaryA.rpc('session_save', { p_id: s, p_org_id: '00000000-0000-4000-8000-000000000011', p_kind: 'research', p_title: '接口专题调研', p_starts_at: start, p_duration_minutes: 60 })).error).toBeNull()
    const late = await secretaryA.rpc('research_topic_link_session', { p_session_id: s, p_topic_id: id })
    expect([late.status, late.error?.message]).toEqual([409, 'research.topic_retired'])
    expect((await secretaryA.rpc('session_detail', { p_session_id: s })).data.research_topic).toBeNull()
    expect((await admin.rpc('research_topic_retire', { p_id: id, p_retired: false })).data.retired_at).toBeNull()
    expect((await secretaryA.rpc('research_topic_link_session', { p_session_id: s, p_topic_id: id })).error).toBeNull()
    expect((await writer.rpc('session_detail', { p_session_id: s })).data.research_topic).toMatchObject({ id, title: '接口课题' })
  })
})
