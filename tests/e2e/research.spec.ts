// 调研文章 end to end in Chromium on a phone: a cadre writes (part of it offline) and submits, the
// secretary returns it with a comment, the author revises and resubmits, the secretary recommends
// it, the bureau selects it; the printed book's contents give the pages the PDF really has, and
// the .docx holds the articles in order.
import type { Page } from 'playwright-core'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import { apiClient, ROOT, signInAs, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const seededRecommended = '00000000-0000-4000-f000-000000000001'

async function confirm(page: Page) {
  await page.locator('.van-dialog__confirm').click()
}

const TEACHER1 = '00000000-0000-4000-a000-000000000004'
// one paragraph longer than an A4 page, so the book must split it across pages
const longParagraph = Array.from({ length: 45 }, (_, i) => `长段第${i + 1}句，调研组逐一核对了会议记录、议事规则和执行情况，并与校长和支部委员分别谈话。`).join('')
const paragraphs = Array.from({ length: 28 }, (_, i) =>
  `第${i + 1}段：围绕校长负责制下党组织保证监督作用，我们走访了教研组、年级组和后勤部门，听取党员教师和群众的意见，整理出需要解决的问题和下一步的做法，形成本段调研记录。`)

// What a screen must hold at 390 px and with the system text at 200% (195 CSS px wide, as
// Chrome on Android lays it out): nothing off the side, no text under 14 px, every control at
// least 44×44. Screenshots go to test-results/research/ to be looked at.
async function check(page: Page, name: string) {
  const found = await page.evaluate(() => {
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect()
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'
    }
    const small = [...document.querySelectorAll('body *')].filter((el) => {
      const own = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())
      return own && visible(el) && Number.parseFloat(getComputedStyle(el).fontSize) < 14
    }).map(el => `${el.tagName}.${el.className}: ${el.textContent!.trim().slice(0, 20)}`)
    const tiny = [...document.querySelectorAll('main button, main select, main input:not([type=hidden]), main textarea')]
      .filter(visible)
      .filter((el) => {
        const r = (el.closest('.van-field') ?? el).getBoundingClientRect()
        return r.height < 44 || r.width < 44
      })
      .map(el => `${el.tagName}.${el.className}`)
    return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, small, tiny }
  })
  mkdirSync(join(ROOT, 'test-results', 'research'), { recursive: true })
  await page.screenshot({ path: join(ROOT, 'test-results', 'research', `${name}.png`), fullPage: true })
  expect(found, name).toEqual({ overflow: 0, small: [], tiny: [] })
}

describe('research articles', () => {
  it('write offline → submit → return → revise → resubmit → recommend → select; the book and the .docx', async () => {
    // 张老师 is marked a cadre by the secretary, on the roster screen; who owes one follows it
    const roster = await b.open()
    await signInAs(roster, 'secretary1@demo.example')
    await roster.goto('/admin/roster')
    await roster.locator(`[data-test="roster-member-${TEACHER1}"]`).click()
    const marked = waitForRpc(roster, 'member_set_cadre')
    await roster.locator('.van-action-sheet__item', { hasText: '标记为副校级以上干部' }).click()
    expect((await marked).status()).toBe(200)
    await roster.locator(`[data-test="roster-cadre-${TEACHER1}"]`).waitFor()
    expect(await roster.locator(`[data-test="roster-cadre-${TEACHER1}"]`).textContent()).toContain('副校级以上')
    await check(roster, 'roster-390')
    await roster.goto('/research/review')
    await roster.locator('[data-test="research-owed-row"]').first().waitFor()
    expect(await roster.locator('[data-test="research-owed"]').textContent()).toMatch(/未提交：[^已]*张老师（示例）/)

    // the cadre writes on the phone
    const teacher = await b.open()
    await signInAs(teacher, 'teacher1@demo.example')
    await teacher.goto('/research')
    await teacher.locator('[data-test="research-write"]').click()
    await teacher.locator('[data-test="research-editor"] textarea').waitFor()
    const id = new URL(teacher.url()).pathname.split('/').pop()!
    const title = '校长负责制下党组织保证监督的实践（端到端）'
    await teacher.locator('[data-test="research-title"] input').fill(title)
    await teacher.locator('[data-test="research-topic"]').selectOption({ index: 1 })
    const firstSave = waitForRpc(teacher, 'research_draft_save')
    await teacher.locator('[data-test="research-body"] textarea').fill('## 一、调研的缘起\n\n')
    expect((await firstSave).status()).toBe(200)
    await teacher.locator('[data-test="research-save-saved"]').waitFor()

    // the signal drops: typing goes on, kept on the phone and queued
    await b.state.context.setOffline(true)
    await teacher.evaluate(() => window.dispatchEvent(new Event('offline')))
    await teacher.locator('[data-test="research-body"] textarea').fill(`## 一、调研的缘起\n\n${paragraphs.join('\n\n')}\n\n${longParagraph}\n\n## 二、几点建议\n\n建立会前沟通机制。`)
    await teacher.locator('[data-test="research-save-queued"]').waitFor()
    // every word is on the phone before it reaches the server
    const stored = await teacher.evaluate(() => localStorage.getItem('xxdzz-research-drafts'))
    expect(stored).toContain('第28段')
    // back online: the outbox sends the queued draft
    const resent = waitForRpc(teacher, 'research_draft_save')
    await b.state.context.setOffline(false)
    await teacher.evaluate(() => window.dispatchEvent(new Event('online')))
    expect((await resent).status()).toBe(200)
    await teacher.locator('[data-test="research-save-saved"]').waitFor()

    const submitted = waitForRpc(teacher, 'research_article_submit')
    await teacher.locator('[data-test="research-submit"]').click()
    await confirm(teacher)
    expect((await submitted).status()).toBe(200)
    await teacher.locator('[data-test="research-article"] [data-test="research-state-submitted"]').waitFor()

    // the secretary returns it with a comment
    const secretary = await b.open()
    await signInAs(secretary, 'secretary1@demo.example')
    await secretary.goto('/research/review')
    await secretary.locator(`[data-test="research-review-waiting"] [data-test="research-article-${id}"]`).click()
    await secretary.locator('[data-test="research-comment"] textarea').fill('请补充调研数据。')
    const returned = waitForRpc(secretary, 'research_article_review')
    await secretary.locator('[data-test="research-return"]').click()
    expect((await returned).status()).toBe(200)
    await secretary.locator('[data-test="research-state-returned"]').waitFor()

    // the author sees the comment, revises and resubmits
    const teacher2 = await b.open()
    await signInAs(teacher2, 'teacher1@demo.example')
    await teacher2.goto(`/research/articles/${id}`)
    await teacher2.locator('[data-test="research-event-return"]').waitFor()
    expect(await teacher2.locator('[data-test="research-event-return"]').textContent()).toContain('请补充调研数据。')
    await teacher2.locator('[data-test="research-edit"]').click()
    const body = teacher2.locator('[data-test="research-body"] textarea')
    await teacher2.locator('[data-test="research-save-saved"]').waitFor()
    const revised = waitForRpc(teacher2, 'research_draft_save')
    await body.fill(`${await body.inputValue()}\n\n## 三、调研数据\n\n共走访教职工一百二十人。`)
    expect((await revised).status()).toBe(200)
    await teacher2.locator('[data-test="research-save-saved"]').waitFor()
    const resubmitted = waitForRpc(teacher2, 'research_article_submit')
    await teacher2.locator('[data-test="research-submit"]').click()
    await confirm(teacher2)
    expect((await resubmitted).status()).toBe(200)

    // the secretary recommends it
    await secretary.goto(`/research/articles/${id}`)
    const recommended = waitForRpc(secretary, 'research_article_review')
    await secretary.locator('[data-test="research-recommend"]').click()
    expect((await recommended).status()).toBe(200)
    await secretary.locator('[data-test="research-state-recommended"]').waitFor()

    // the bureau selects it (and the seeded recommended article after it)
    const admin = await b.open()
    await signInAs(admin, 'admin@demo.example')
    await admin.goto('/research/bureau')
    await admin.locator(`[data-test="research-recommended"] [data-test="research-article-${id}"]`).click()
    const selected = waitForRpc(admin, 'research_article_select')
    await admin.locator('[data-test="research-select"]').click()
    expect((await selected).status()).toBe(200)
    await admin.locator('[data-test="research-state-selected"]').waitFor()
    const bureau = await apiClient('admin@demo.example')
    expect((await bureau.rpc('research_article_select', { p_id: seededRecommended })).error).toBeNull()

    // the collection: foreword saved, then the .docx and the printed book
    const year = (await bureau.rpc('research_collection', {})).data.year as number
    await admin.goto(`/research/collections/${year}`)
    await admin.locator('[data-test="research-foreword"] textarea').fill('本集收录今年的优秀调研文章。')
    const saved = waitForRpc(admin, 'research_collection_save')
    await admin.locator('[data-test="research-collection-save"]').click()
    expect((await saved).status()).toBe(200)
    const book = (await bureau.rpc('research_collection', { p_year: year })).data as { title: string, articles: { id: string, title: string, author_name: string, school: string }[] }
    expect(book.articles.map(a => a.id)).toEqual([id, seededRecommended])

    const download = admin.waitForEvent('download')
    await admin.locator('[data-test="research-docx"]').click()
    const file = await (await download).path()
    const xml = await (await JSZip.loadAsync(readFileSync(file!))).file('word/document.xml')!.async('string')
    const text = xml.replace(/<[^>]+>/g, '')
    const at = book.articles.map(a => text.lastIndexOf(a.title))
    expect(at.every(i => i > 0)).toBe(true)
    expect(at).toEqual([...at].sort((x, y) => x - y))
    expect(text).toContain('本集收录今年的优秀调研文章。')

    await admin.goto(`/research/collections/${year}/book`)
    await admin.locator('[data-test="research-book-pages"][data-ready="true"]').waitFor()
    const pages = await admin.locator('.book-page').count()
    // paragraphs split at line ends, never a lone line at a page's foot or head, no heading left
    // at a page's foot, nothing cut off by a page box, no page beginning with closing punctuation
    const layout = await admin.evaluate(() => {
      const lines = (e: Element) => Math.round(e.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(e).lineHeight))
      const bodies = [...document.querySelectorAll('.book-page__body')]
      return {
        overflowing: bodies.filter(x => x.scrollHeight > x.clientHeight + 1).length,
        split: [...document.querySelectorAll('.book-p--split')].map(lines),
        carried: [...document.querySelectorAll('.book-p--cont')].map(lines),
        headingAtFoot: bodies.filter(x => x.lastElementChild?.classList.contains('book-h2')).length,
        punctuationAtHead: [...document.querySelectorAll('.book-p--cont')].filter(e => /^[，。、；：？！）》」”]/.test(e.textContent!)).length,
      }
    })
    expect(layout.split.length).toBeGreaterThan(0)
    expect(layout.carried).toHaveLength(layout.split.length)
    expect(Math.min(...layout.split, ...layout.carried)).toBeGreaterThanOrEqual(2)
    expect({ ...layout, split: 0, carried: 0 }).toEqual({ overflowing: 0, split: 0, carried: 0, headingAtFoot: 0, punctuationAtHead: 0 })
    const pdf = await admin.pdf({ preferCSSPageSize: true, printBackground: true })
    const dir = mkdtempSync(join(tmpdir(), 'xxdzz-book-'))
    writeFileSync(join(dir, 'book.pdf'), pdf)
    // kept for looking at (test-results/ is not committed)
    mkdirSync(join(ROOT, 'test-results'), { recursive: true })
    writeFileSync(join(ROOT, 'test-results', 'research-book.pdf'), pdf)
    const info = execFileSync('pdfinfo', [join(dir, 'book.pdf')], { encoding: 'utf8' })
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBe(pages)
    expect(info).toMatch(/Page size:.*\(A4\)/)
    const pageText = (n: number) => execFileSync('pdftotext', ['-layout', '-f', String(n), '-l', String(n), join(dir, 'book.pdf'), '-'], { encoding: 'utf8' })
    const all = Array.from({ length: pages }, (_, i) => pageText(i + 1))
    const tocPage = all.findIndex(p => p.includes('目录'))
    expect(tocPage).toBeGreaterThan(0)
    const toc = all[tocPage]!
    const starts: number[] = []
    for (const a of book.articles) {
      const line = toc.split('\n').find(l => l.includes(a.title.slice(0, 10)))!
      const n = Number(/(\d+)\s*$/.exec(line)![1])
      starts.push(n)
      // that page is where the article begins: its title, byline, and the running header naming it
      expect(all[n - 1]).toContain(a.author_name)
      expect(all[n - 2]).not.toContain(`${a.author_name}\u3000${a.school}`)
    }
    // the first article is long enough to take more than one page; its pages carry the running
    // header naming the book and the article, and the long paragraph reads whole, in order, across them
    expect(starts[1]! - starts[0]!).toBeGreaterThan(1)
    expect(all[starts[0]!]).toContain('第')
    const lines = (n: number) => all[n]!.split('\n').map(l => l.trim()).filter(Boolean)
    for (let n = starts[0]!; n < starts[1]! - 1; n++) {
      expect(lines(n)[0]).toContain(book.title.slice(0, 6))
      expect(lines(n)[0]).toContain(title.slice(0, 8))
    }
    // the article's pages without their running headers and page numbers: the text runs on whole
    const flat = Array.from({ length: starts[1]! - starts[0]! }, (_, i) => lines(starts[0]! - 1 + i).slice(1, -1).join('')).join('').replace(/\s+/g, '')
    expect(flat).toContain(longParagraph)
    expect(flat).toContain(paragraphs.at(-1))
  }, 180_000) // five people, a PDF and a .docx in one journey: twice the e2e default, which a loaded CI machine exceeded
})

describe('research screens on a phone', () => {
  for (const [w, h, label] of [[390, 844, '390'], [195, 422, 'text200']] as const) {
    it(`the editor, the review list and the bureau's list at ${label}`, async () => {
      const page = await b.open()
      await page.setViewportSize({ width: w, height: h })
      await signInAs(page, 'secretary1@demo.example')
      await page.goto('/research')
      await page.locator('[data-test="research-mine"]').waitFor()
      await check(page, `home-${label}`)
      await page.locator('[data-test="research-write"]').click()
      await page.locator('[data-test="research-editor"] textarea').waitFor()
      await page.locator('[data-test="research-title"] input').fill('关于党员示范岗的调研')
      await page.locator('[data-test="research-body"] textarea').fill('## 一、背景\n\n我校设立党员示范岗三年来，教师们普遍反映……')
      await page.locator('[data-test="research-save-saved"]').waitFor()
      await check(page, `editor-${label}`)
      await page.goto('/research/review')
      await page.locator('[data-test="research-owed"]').waitFor()
      await check(page, `review-${label}`)
      const admin = await b.open()
      await admin.setViewportSize({ width: w, height: h })
      await signInAs(admin, 'admin@demo.example')
      await admin.goto('/research/bureau')
      await admin.locator('[data-test="research-recommended"]').waitFor()
      await admin.locator('[data-test="research-owed"]').waitFor()
      await check(admin, `bureau-${label}`)
      await admin.goto('/research/articles/00000000-0000-4000-f000-000000000001')
      // recommended or, after the journey above, selected: either way the bureau's action shows
      await admin.locator('[data-test="research-select"], [data-test="research-unselect"]').waitFor()
      await check(admin, `article-${label}`)
    })
  }
})

describe('research topics', () => {
  it('the bureau publishes a topic with a brief; the secretary links a 专题调研 session to it and the session shows it; retired, it is offered no more', async () => {
    const topic = '县域教育集团化办学中党组织作用的调研（端到端）'
    const admin = await b.open()
    await signInAs(admin, 'admin@demo.example')
    await admin.goto('/research')
    await admin.locator('[data-test="research-to-topics"]').click()
    await admin.locator('[data-test="research-topic-new"]').click()
    await admin.locator('[data-test="research-topic-title"] textarea').fill(topic)
    await admin.locator('[data-test="research-topic-brief"] textarea').fill('走访三个教育集团，了解党组织如何参与集团重大事项决策。')
    const saved = waitForRpc(admin, 'research_topic_save')
    await admin.locator('[data-test="research-topic-save"]').click()
    expect((await saved).status()).toBe(200)
    const row = admin.locator('.van-cell[data-test^="research-topic-"]', { hasText: topic })
    await row.waitFor()
    // the list can be back before the form has slid away: measure the screen, not the closing form
    await admin.locator('[data-test="research-topic-form"]').waitFor({ state: 'hidden' })
    await check(admin, 'topics-390')

    // the secretary plans a 专题调研 session on it from the session form
    const sec = await b.open()
    await signInAs(sec, 'secretary1@demo.example')
    await sec.goto('/sessions/new')
    await sec.locator('[data-test="form-kind-select"]').selectOption('research')
    await sec.locator('[data-test="form-title"] input').fill('专题调研：集团化办学（端到端）')
    const select = sec.locator('[data-test="form-research-topic-select"]')
    await select.locator('option', { hasText: topic }).waitFor({ state: 'attached' })
    await select.selectOption((await row.getAttribute('data-test'))!.replace('research-topic-', ''))
    const linked = waitForRpc(sec, 'research_topic_link_session')
    await sec.locator('[data-test="form-save"]').click()
    expect((await linked).status()).toBe(200)
    await sec.locator('[data-test="session-research-topic"]').waitFor()
    expect(await sec.locator('[data-test="session-research-topic"]').textContent()).toContain(topic)
    expect(await sec.locator('[data-test="session-research-topic"]').textContent()).toContain('调研课题')
    await check(sec, 'session-topic-390')
    const sessionUrl = sec.url()

    // a member sees the topic on the session, and can write on it
    const teacher = await b.open()
    await signInAs(teacher, 'teacher1@demo.example')
    await teacher.goto(new URL(sessionUrl).pathname)
    await teacher.locator('[data-test="session-research-topic"]').waitFor()
    expect(await teacher.locator('[data-test="session-research-topic"]').textContent()).toContain('走访三个教育集团')

    // the bureau retires it: the editor no longer offers it; the session keeps its link
    await row.click()
    await admin.locator('[data-test="research-topic-retire"]').click()
    const retired = waitForRpc(admin, 'research_topic_retire')
    await admin.locator('.van-dialog__confirm').click()
    expect((await retired).status()).toBe(200)
    await row.locator('.van-tag').waitFor()
    await teacher.goto('/research')
    await teacher.locator('[data-test="research-write"]').click()
    await teacher.locator('[data-test="research-topic"]:not([disabled])').waitFor()
    expect(await teacher.locator('[data-test="research-topic"] option').allTextContents()).not.toContain(topic)
    expect((await teacher.locator('[data-test="research-topic"] option').count())).toBeGreaterThan(1)
    await teacher.goto(new URL(sessionUrl).pathname)
    await teacher.locator('[data-test="session-research-topic"]').waitFor()
  })
})
