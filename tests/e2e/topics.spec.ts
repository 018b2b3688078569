import type { Page } from 'playwright-core'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import { afterEach, describe, expect, it } from 'vitest'
import ws from 'ws'
import { TopicPage } from './pages/TopicPage'
import { ANON_KEY, ROOT, signInAs, STACK_URL, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const extra: { close: () => Promise<void> }[] = []
// the harness closes the last context of each test; the other phones are closed here
afterEach(async () => {
  await Promise.all(extra.splice(0).map(c => c.close().catch(() => {})))
})

// seeds/20_topics.sql: the branch topic of 示例一中第一党支部
const BRANCH_TOPIC = '00000000-0000-4000-9300-000000000005'
const COUNTY_TOPIC = '00000000-0000-4000-9300-000000000003'
// seeds/00_core.sql: 示例一中第一党支部, led by secretary1
const FIRST_BRANCH = '00000000-0000-4000-8000-000000000011'

/** A signed-in phone in its own browser context. */
async function phone(login: string): Promise<Page> {
  const page = await b.open()
  extra.push(b.state.context)
  await signInAs(page, login)
  return page
}

const SHOTS = process.env.E2E_SHOTS ? join(ROOT, 'test-results/topics') : ''
async function shot(page: Page, name: string) {
  if (!SHOTS)
    return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

const unique = (label: string) => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

describe('discussion threads', () => {
  it('a reply appears live for another member, a quote links back, and hiding updates both views', async () => {
    const a = new TopicPage(await phone('teacher1@demo.example'))
    const bb = new TopicPage(await phone('teacher2@demo.example'))
    await a.goto(BRANCH_TOPIC)
    await bb.goto(BRANCH_TOPIC)
    // let B's channel join before A posts
    await bb.page.waitForTimeout(500)

    const text = unique('张老师的新观点')
    await a.write(text)
    const sent = await a.submit()
    expect(sent.status()).toBe(200)
    const t0 = Date.now()
    await bb.post(text).waitFor({ timeout: 2_000 })
    expect(Date.now() - t0).toBeLessThan(2_000)

    // B quotes it; A sees the reply live and its quote leads back to the original
    await bb.post(text).locator('[data-test="post-reply"]').click()
    const reply = unique('陈老师回复')
    await bb.write(reply)
    expect((await bb.submit()).status()).toBe(200)
    await a.post(reply).waitFor({ timeout: 2_000 })
    const quote = a.post(reply).locator('[data-test="post-quote"]')
    expect(await quote.textContent()).toContain(text.slice(0, 20))
    await a.page.evaluate(() => window.scrollTo(0, 0))
    await quote.click()
    await expect.poll(() => a.post(text).first().evaluate((el) => {
      const r = el.getBoundingClientRect()
      return r.top >= 0 && r.bottom <= window.innerHeight
    })).toBe(true)

    // the secretary hides the first post: A sees why, B a placeholder, without reloading
    const sec = new TopicPage(await phone('secretary1@demo.example'))
    await sec.goto(BRANCH_TOPIC)
    await sec.post(text).waitFor()
    expect((await sec.hide(text, '与主题无关')).status()).toBe(200)
    await expect.poll(() => bb.post(text).count(), { timeout: 3_000 }).toBe(0)
    await bb.page.locator('[data-test="post-placeholder"]', { hasText: '该发言已被管理员隐藏' }).first().waitFor({ timeout: 3_000 })
    await a.page.locator('[data-test="post-hidden-note"]', { hasText: '与主题无关' }).waitFor({ timeout: 3_000 })
  })

  it('keeps a draft across a reload and sends a reply written offline once back online', async () => {
    // a member of the school's second branch, on a county-wide topic
    const page = await phone('teacher3@demo.example')
    const topic = new TopicPage(page)
    await topic.goto(COUNTY_TOPIC)
    const url = page.url()
    const draft = unique('草稿')
    await topic.write(draft)
    await page.reload()
    await topic.input.waitFor()
    expect(await topic.input.inputValue()).toBe(draft)

    await b.state.context.setOffline(true)
    await topic.send.click()
    await page.locator('.van-toast', { hasText: '联网后自动发送' }).waitFor()
    expect(await topic.input.inputValue()).toBe('')
    await topic.post(draft).waitFor()
    const delivered = waitForRpc(page, 'topic_post_create')
    await b.state.context.setOffline(false)
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    expect((await delivered).status()).toBe(200)
    await page.goto(url)
    await topic.post(draft).waitFor()
    expect(await topic.post(draft).count()).toBe(1)
  })

  it('the topic list\'s counts update live when someone replies', async () => {
    const page = await phone('teacher1@demo.example')
    await page.goto('/topics')
    const item = page.locator('[data-test="topic-item"]', { hasText: '把理论学习落到课堂上' })
    await item.waitFor()
    const count = async () => Number((await item.locator('[data-test="topic-count"]').textContent())!.match(/\d+/)![0])
    const before = await count()
    await page.waitForTimeout(500)
    const other = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    const { error } = await other.auth.signInWithPassword({ email: 'secretary1@demo.example', password: 'demo1234' })
    expect(error).toBeNull()
    const r = await other.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: BRANCH_TOPIC, p_body: '书记的补充', p_quote_post_id: null })
    expect(r.error).toBeNull()
    await expect.poll(count, { timeout: 3_000 }).toBe(before + 1)
    await item.locator('[data-test="topic-new"]').waitFor()
  })
  it('a reply written offline that the server then refuses is shown with its reason, and can be discarded', async () => {
    // a topic of its own, so closing it disturbs no other test
    const sec = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    expect((await sec.auth.signInWithPassword({ email: 'secretary1@demo.example', password: 'demo1234' })).error).toBeNull()
    const topicId = randomUUID()
    expect((await sec.rpc('topic_save', { p_id: topicId, p_org_id: FIRST_BRANCH, p_title: unique('离线被拒'), p_prompt: '讨论离线回复' })).error).toBeNull()
    expect((await sec.rpc('topic_set_status', { p_topic_id: topicId, p_status: 'open' })).error).toBeNull()

    const page = await phone('teacher1@demo.example')
    const topic = new TopicPage(page)
    await topic.goto(topicId)
    await b.state.context.setOffline(true)
    const text = unique('离线写的回复')
    await topic.write(text)
    await topic.send.click()
    await page.locator('.van-toast', { hasText: '联网后自动发送' }).waitFor()

    // meanwhile the secretary ends the discussion, so the queued reply is refused on arrival
    expect((await sec.rpc('topic_set_status', { p_topic_id: topicId, p_status: 'closed' })).error).toBeNull()
    const refused = waitForRpc(page, 'topic_post_create')
    await b.state.context.setOffline(false)
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    expect((await refused).status()).toBe(400)

    // kept across a restart of the app, and listed on a screen of another area (home)
    await page.goto('/')
    const failed = page.locator('[data-test="outbox-failed"]')
    await failed.waitFor()
    expect(await failed.textContent()).toContain('1 条记录未能发送')
    await failed.click()
    const item = page.locator('[data-test="outbox-failed-item"]')
    await item.waitFor()
    // what it was and why, in words (the label is in the topics strings, loaded for the list)
    await expect.poll(() => item.textContent()).toContain('讨论回复')
    expect(await item.textContent()).toContain('讨论已结束，不能再发言')
    expect(await item.textContent(), 'what was written, to copy before discarding').toContain(text)
    await page.waitForTimeout(400) // the sheet slides in
    await shot(page, 'outbox-failed-list')
    await item.getByRole('button', { name: '放弃' }).click()
    await failed.waitFor({ state: 'detached' })
  })
})
