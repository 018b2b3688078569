import { randomUUID } from 'node:crypto'
import { createClient } from '@supabase/supabase-js'
import { describe, expect, it } from 'vitest'
import ws from 'ws'
import { TopicPage } from './pages/TopicPage'
import { apiClient, DEMO_INVITE, shots, STACK_URL, uniqueEmail, useBrowser, waitForRpc } from './support'

const b = useBrowser()

// seeds/20_topics.sql: the branch topic of 示例一中第一党支部
const BRANCH_TOPIC = '00000000-0000-4000-9300-000000000005'
const COUNTY_TOPIC = '00000000-0000-4000-9300-000000000003'
// seeds/00_core.sql: 示例一中第一党支部, led by secretary1
const FIRST_BRANCH = '00000000-0000-4000-8000-000000000011'
// seeds/00_core.sql: the Party group under secretary2's branch
const GROUP_B = '00000000-0000-4000-8000-000000000022'

const shot = shots('topics')
const unique = (label: string) => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

describe('discussion threads', () => {
  it('a reply appears live for another member, a quote links back, and hiding updates both views', async () => {
    const a = new TopicPage(await b.signedIn('teacher1@demo.example'))
    const bb = new TopicPage(await b.signedIn('teacher2@demo.example'))
    await a.goto(BRANCH_TOPIC)
    // B's channel has joined before A posts
    const bJoined = bb.joined(`topic:${BRANCH_TOPIC}`)
    await bb.goto(BRANCH_TOPIC)
    await bJoined

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
    const sec = new TopicPage(await b.signedIn('secretary1@demo.example'))
    await sec.goto(BRANCH_TOPIC)
    await sec.post(text).waitFor()
    expect((await sec.hide(text, '与主题无关')).status()).toBe(200)
    await expect.poll(() => bb.post(text).count(), { timeout: 3_000 }).toBe(0)
    await bb.page.locator('[data-test="post-placeholder"]', { hasText: '该发言已被管理员隐藏' }).first().waitFor({ timeout: 3_000 })
    await a.page.locator('[data-test="post-hidden-note"]', { hasText: '与主题无关' }).waitFor({ timeout: 3_000 })
  })

  it('keeps a draft across a reload and sends a reply written offline once back online', async () => {
    // a member of the school's second branch, on a county-wide topic
    const page = await b.signedIn('teacher3@demo.example')
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
    const page = await b.signedIn('teacher1@demo.example')
    const joined = new TopicPage(page).joined(`org:${FIRST_BRANCH}`)
    await page.goto('/topics')
    const item = page.locator('[data-test="topic-item"]', { hasText: '把理论学习落到课堂上' })
    await item.waitFor()
    const count = async () => Number((await item.locator('[data-test="topic-count"]').textContent())!.match(/\d+/)![0])
    const before = await count()
    await joined
    const other = await apiClient('secretary1@demo.example')
    const r = await other.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: BRANCH_TOPIC, p_body: '书记的补充', p_quote_post_id: null })
    expect(r.error).toBeNull()
    await expect.poll(count, { timeout: 3_000 }).toBe(before + 1)
    await item.locator('[data-test="topic-new"]').waitFor()
  })
  it('a reply written offline that the server then refuses is shown with its reason, and can be discarded', async () => {
    // a topic of its own, so closing it disturbs no other test
    const sec = await apiClient('secretary1@demo.example')
    const topicId = randomUUID()
    expect((await sec.rpc('topic_save', { p_id: topicId, p_org_id: FIRST_BRANCH, p_title: unique('离线被拒'), p_prompt: '讨论离线回复' })).error).toBeNull()
    expect((await sec.rpc('topic_set_status', { p_topic_id: topicId, p_status: 'open' })).error).toBeNull()

    const page = await b.signedIn('teacher1@demo.example')
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
    // the sheet has slid in
    await page.waitForFunction(() => !document.querySelector('[class*="-enter-active"]'))
    await shot(page, 'outbox-failed-list')
    await item.getByRole('button', { name: '放弃' }).click()
    await failed.waitFor({ state: 'detached' })
  })

  it('my reply in a long topic is shown and scrolled to at once, before the pages between are loaded', async () => {
    const topicId = await topicOf('长讨论')
    // 25 replies by five members (five each: the per-minute limit), more than one page
    const authors = await Promise.all([1, 2, 3, 4, 5].map(i => newMember(`长讨论成员${i}`)))
    for (const [i, c] of authors.entries()) {
      for (let j = 0; j < 5; j++)
        expect((await c.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: topicId, p_body: `第 ${i * 5 + j + 1} 条：${'观点'.repeat(30)}`, p_quote_post_id: null })).error).toBeNull()
    }
    const topic = new TopicPage(await b.signedIn('teacher2@demo.example'))
    await topic.goto(topicId)
    expect(await topic.posts.count()).toBe(20)
    const text = unique('我在长讨论里的回复')
    await topic.write(text)
    expect((await topic.submit()).status()).toBe(200)
    await topic.post(text).waitFor()
    await expect.poll(() => TopicPage.inView(topic.post(text))).toBe(true)
    // the replies between arrive as the member scrolls; mine stays once, after them
    await topic.page.locator('[data-test="post-list"] .van-list__finished-text').scrollIntoViewIfNeeded()
    await expect.poll(() => topic.posts.count()).toBe(26)
    expect(await topic.post(text).count()).toBe(1)
    expect(await topic.posts.last().textContent()).toContain(text)
    await shot(topic.page, 'long-topic-own-reply')
  })

  it('a long reply is folded with 展开/收起; the reply box counts and refuses past 5,000 characters', async () => {
    const topicId = await topicOf('长发言')
    const page = await b.signedIn('teacher1@demo.example')
    const topic = new TopicPage(page)
    await topic.goto(topicId)
    const head = unique('很长的发言')
    const long = `${`${head}\n${'这是一段很长的发言内容，用来检查折叠。\n'.repeat(260)}`.slice(0, 4999)}完`
    await topic.write(`${long}多`)
    await topic.tooLong.waitFor()
    expect(await topic.tooLong.textContent()).toContain('请删去1字')
    expect(await topic.send.isDisabled()).toBe(true)
    expect(await topic.input.inputValue()).toBe(`${long}多`) // nothing cut silently
    await shot(page, 'composer-too-long')
    await topic.write(long)
    expect(await topic.counter.textContent()).toContain('5000/5000')
    expect((await topic.submit()).status()).toBe(200)
    const post = topic.post(head)
    const fold = post.locator('[data-test="post-fold"]')
    await fold.waitFor()
    const height = () => post.locator('[data-test="post-body-box"]').evaluate(el => el.getBoundingClientRect().height)
    expect(await height()).toBeLessThanOrEqual(2 * 844 + 1)
    expect(await fold.textContent()).toContain('展开全文')
    await shot(page, 'long-post-folded')
    await fold.click()
    await expect.poll(height).toBeGreaterThan(2 * 844)
    expect(await fold.textContent()).toContain('收起')
    await fold.click()
    await expect.poll(height).toBeLessThanOrEqual(2 * 844 + 1)
    // folding again leaves the reader at the post, not screens below it
    await expect.poll(() => post.evaluate(el => Math.abs(el.getBoundingClientRect().top) < 844)).toBe(true)
  })

  it('another phone sees a 赞同 count change live', async () => {
    const topicId = await topicOf('赞同')
    const author = await newMember('被赞同的成员')
    const text = unique('值得赞同的观点')
    const postId = randomUUID()
    expect((await author.rpc('topic_post_create', { p_id: postId, p_topic_id: topicId, p_body: text, p_quote_post_id: null })).error).toBeNull()
    const a = new TopicPage(await b.signedIn('teacher1@demo.example'))
    const watcher = new TopicPage(await b.signedIn('teacher2@demo.example'))
    await a.goto(topicId)
    const joined = watcher.joined(`topic:${topicId}`)
    await watcher.goto(topicId)
    await joined
    expect(await watcher.likeCount(text)).toBe(0)
    const liked = waitForRpc(a.page, 'topic_post_like')
    await a.post(text).locator('[data-test="post-like"]').click()
    expect((await liked).status()).toBe(200)
    await expect.poll(() => watcher.likeCount(text), { timeout: 3_000 }).toBe(1)
    // the watcher's own button is still "赞同", not "已赞同": the count is someone else's
    expect(await watcher.post(text).locator('[data-test="post-like"]').textContent()).not.toContain('已赞同')
    expect((await author.rpc('topic_post_like', { p_post_id: postId, p_liked: true })).error).toBeNull()
    await expect.poll(() => watcher.likeCount(text), { timeout: 3_000 }).toBe(2)
    await expect.poll(() => a.likeCount(text), { timeout: 3_000 }).toBe(2)
  })

  it('a branch secretary picks the branch\'s Party group from the organisations SQL says they manage, and posts there', async () => {
    const page = await b.signedIn('secretary2@demo.example')
    const orgs = waitForRpc(page, 'session_orgs_i_manage')
    await page.goto('/topics/new')
    expect((await orgs).status()).toBe(200)
    const select = page.locator('[data-test="topic-form-org"]')
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['示例实验小学教师党支部', '示例实验小学低年级党小组'])
    await select.selectOption(GROUP_B)
    await shot(page, 'topic-form-group')
    const title = unique('党小组专题讨论')
    await page.locator('[data-test="topic-form-title"] input').fill(title)
    await page.locator('[data-test="topic-form-prompt"] textarea').fill('结合本组实际谈谈体会')
    const saved = waitForRpc(page, 'topic_save')
    await page.locator('[data-test="topic-form-submit"]').click()
    const res = await saved
    expect(res.status()).toBe(200)
    expect((await res.json()).org_id).toBe(GROUP_B)
  })
})

/** A fresh open topic of the first branch, so a test's posts disturb no other test. */
async function topicOf(label: string): Promise<string> {
  const sec = await apiClient('secretary1@demo.example')
  const id = randomUUID()
  expect((await sec.rpc('topic_save', { p_id: id, p_org_id: FIRST_BRANCH, p_title: unique(label), p_prompt: '端到端测试' })).error).toBeNull()
  expect((await sec.rpc('topic_set_status', { p_topic_id: id, p_status: 'open' })).error).toBeNull()
  return id
}

/** A new member of the first branch (made with the admin API, joined by the demo invite). */
async function newMember(name: string) {
  const admin = createClient(STACK_URL, process.env.E2E_SERVICE_KEY ?? '', { auth: { persistSession: false }, realtime: { transport: ws as never } })
  const email = uniqueEmail('topics')
  const made = await admin.auth.admin.createUser({ email, password: 'secret-123', email_confirm: true, user_metadata: { display_name: name } })
  expect(made.error).toBeNull()
  const c = await apiClient(email, 'secret-123')
  expect((await c.rpc('invite_redeem', { p_code: DEMO_INVITE })).error).toBeNull()
  return c
}
