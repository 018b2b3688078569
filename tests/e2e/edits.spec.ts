// Correcting what was created, in a real Chromium: the secretary edits a plan (removes a reading,
// moves another up) and a reading (edits a section, moves it up, removes one a teacher had read);
// from the teacher's side the tick on the kept section is still there and the removed one no
// longer counts. The bureau sees both edits in the audit log. Screenshots of both edit screens
// at 390×844 and at 200% browser text go to test-results/edits.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { apiClient, shots, signInAs, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const BRANCH_A = '00000000-0000-4000-8000-000000000011'
const shot = shots('edits', { always: true })
const tag = Date.now().toString(36).slice(-4)

/** The smallest text on the screen, in CSS px: at 200% it must have doubled. */
function minText(page: Page) {
  return page.evaluate(() => Math.min(...[...document.querySelectorAll('.van-field__label, .van-cell__title, .van-button__text, .plan-edit__name')]
    .map(el => Number.parseFloat(getComputedStyle(el).fontSize))))
}

/** The browser's own text size (a phone set to large text): every rem follows it. */
async function largeText(page: Page, px = 32) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: px, fixed: Math.round(px * 13 / 16) } })
  await page.waitForFunction(n => getComputedStyle(document.documentElement).fontSize === `${n}px`, px)
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

describe('edits', () => {
  it('the secretary corrects a plan and a reading; the teacher keeps the tick, the removed section stops counting', async () => {
    // made through the API as the secretary: a reading of three sections and two more readings,
    // one plan for the branch holding all three; the teacher has read sections 1 and 3
    const sec = await apiClient('secretary1@demo.example')
    const reading = crypto.randomUUID()
    const [r2, r3, plan] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
    const titles = { reading: `修改测试材料${tag}`, r2: `第二篇${tag}`, r3: `第三篇${tag}` }
    for (const [id, title, sections] of [[reading, titles.reading, ['第一节', '第二节', '第三节']], [r2, titles.r2, ['唯一一节']], [r3, titles.r3, ['唯一一节']]] as const) {
      const { error } = await sec.rpc('reading_create', { p_id: id, p_org_id: BRANCH_A, p_title: title, p_sections: sections.map(t => ({ title: t, body_md: `${t}的正文` })) })
      expect(error).toBeNull()
    }
    const due = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10)
    expect((await sec.rpc('plan_create', { p_id: plan, p_title: `修改测试计划${tag}`, p_due_on: due, p_reading_ids: [reading, r2, r3], p_org_ids: [BRANCH_A] })).error).toBeNull()
    const teacher = await apiClient('teacher1@demo.example')
    const { data: detail } = await teacher.rpc('reading_detail', { p_reading_id: reading })
    const ids = (detail.sections as { id: string }[]).map(s => s.id)
    for (const s of [ids[0], ids[2]])
      expect((await teacher.rpc('section_tick', { p_section_id: s, p_read: true })).error).toBeNull()

    // the plan: take the third reading out, move the second up
    const page = await b.open()
    await signInAs(page, 'secretary1@demo.example')
    await page.goto(`/readings/plans/${plan}`)
    await page.locator('[data-test="plan-edit-link"]').click()
    await page.locator('[data-test="plan-edit-form"]').waitFor()
    await page.locator('[data-test="plan-edit-reading-2"] [data-test="plan-edit-remove"]').click()
    await page.locator('[data-test="plan-edit-reading-1"] [data-test="move-up"]').click()
    expect(await page.locator('[data-test="plan-edit-reading-0"]').textContent()).toContain(titles.r2)
    await shot(page, 'plan-edit', { fullPage: true })
    expect(await overflow(page)).toBeLessThanOrEqual(0)
    const planSaved = waitForRpc(page, 'plan_update')
    await page.locator('[data-test="plan-edit-save"]').click()
    expect((await planSaved).status()).toBe(200)
    await page.waitForURL(new RegExp(`/readings/plans/${plan}$`))
    await page.locator('[data-test="plan-reading-2"]').waitFor()
    expect(await page.locator('[data-test="plan-reading-1"]').textContent()).toContain(titles.r2)
    expect(await page.locator('[data-test="plan-reading-2"]').textContent()).toContain(titles.reading)
    expect(await page.locator('[data-test="plan-reading-3"]').count()).toBe(0)

    // the reading: rename section 3 and move it to the top, remove section 1 (read: asks first)
    await page.locator('[data-test="plan-reading-2"]').click()
    await page.locator('[data-test="reading-edit-link"]').click()
    await page.locator('[data-test="reading-edit-form"]').waitFor()
    await page.locator('[data-test="section-fields-2"] [data-test="section-title"] input').fill('第三节（修订）')
    await page.locator('[data-test="section-fields-2"] [data-test="move-up"]').click()
    await page.locator('[data-test="section-fields-1"] [data-test="move-up"]').click()
    expect(await page.locator('[data-test="section-fields-0"] [data-test="section-title"] input').inputValue()).toBe('第三节（修订）')
    await page.locator('[data-test="section-fields-1"] [data-test="section-remove"]').click()
    await page.locator('.van-dialog__confirm').click()
    await page.locator('[data-test="section-fields-2"]').waitFor({ state: 'detached' })
    await shot(page, 'reading-edit', { fullPage: true })
    expect(await overflow(page)).toBeLessThanOrEqual(0)
    const readingSaved = waitForRpc(page, 'reading_update')
    await page.locator('[data-test="reading-edit-save"]').click()
    expect((await readingSaved).status()).toBe(200)
    await page.waitForURL(new RegExp(`/readings/${reading}$`))

    // the edit screens at 200% text: nothing runs off the side
    await largeText(page)
    await page.goto(`/readings/${reading}/edit`)
    await page.locator('[data-test="reading-edit-form"]').waitFor()
    await largeText(page)
    await shot(page, 'reading-edit-text200')
    expect(await minText(page)).toBeGreaterThanOrEqual(27.9)
    expect(await overflow(page)).toBeLessThanOrEqual(0)
    await page.goto(`/readings/plans/${plan}/edit`)
    await page.locator('[data-test="plan-edit-form"]').waitFor()
    await largeText(page)
    await shot(page, 'plan-edit-text200')
    expect(await minText(page)).toBeGreaterThanOrEqual(27.9)
    expect(await overflow(page)).toBeLessThanOrEqual(0)

    // the teacher: the plan counts 1 of 3 (the revised section still ticked, the removed one gone)
    const tp = await b.open()
    await signInAs(tp, 'teacher1@demo.example')
    const planDetail = waitForRpc(tp, 'plan_detail')
    await tp.goto(`/readings/plans/${plan}`)
    await planDetail
    await tp.locator('[data-test="plan-reading-2"]').waitFor()
    expect((await tp.locator('[data-test="plan-reading-2"] [data-test="plan-reading-count"]').textContent())?.trim()).toBe('1/2')
    expect((await tp.locator('[data-test="plan-reading-1"] [data-test="plan-reading-count"]').textContent())?.trim()).toBe('0/1')
    expect(await tp.locator('[data-test="plan-progress"]').textContent()).toMatch(/1\D+3/)
    await tp.locator('[data-test="plan-reading-2"]').click()
    await tp.locator('[data-test="section-2"]').waitFor()
    expect(await tp.locator('[data-test="section-1"]').textContent()).toContain('第三节（修订）')
    expect(await tp.locator('[data-test="section-2"]').textContent()).toContain('第二节')
    expect(await tp.locator('[data-test="section-3"]').count()).toBe(0)
    expect(await tp.locator('[data-test="section-tick-1"] .van-checkbox__icon--checked').count()).toBe(1)
    expect(await tp.locator('[data-test="section-tick-2"] .van-checkbox__icon--checked').count()).toBe(0)
    await shot(tp, 'teacher-reading', { fullPage: true })

    // the bureau's audit log shows both edits
    const admin = await b.open()
    await signInAs(admin, 'admin@demo.example')
    const audit = waitForRpc(admin, 'audit_log')
    await admin.goto('/admin/audit')
    await audit
    await expect.poll(() => admin.locator('body').textContent()).toContain('修改读物')
    const text = await admin.locator('body').textContent()
    expect(text).toContain('修改学习计划')
    expect(text).toContain(titles.reading)
    // the plan's edit names the plan (its title is in the audit's before/after)
    expect(await admin.locator('[data-test^="audit-entry-"]', { hasText: '修改学习计划' }).first().textContent()).toContain(`修改测试计划${tag}`)
    await shot(admin, 'audit', { fullPage: true })
  }, 180_000) // four phones in one journey: longer than the suite's 90 s on a shared machine

  it('archiving asks first; the plan leaves the teacher\'s list', async () => {
    const sec = await apiClient('secretary1@demo.example')
    const plan = crypto.randomUUID()
    const { data: catalog } = await sec.rpc('reading_catalog')
    const mine = (catalog.readings as { id: string, org_id: string }[]).find(r => r.org_id === BRANCH_A) ?? catalog.readings[0]
    const due = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10)
    expect((await sec.rpc('plan_create', { p_id: plan, p_title: `归档测试${tag}`, p_due_on: due, p_reading_ids: [mine.id], p_org_ids: [BRANCH_A] })).error).toBeNull()
    const page = await b.open()
    await signInAs(page, 'secretary1@demo.example')
    await page.goto(`/readings/plans/${plan}/edit`)
    await page.locator('[data-test="plan-edit-archive"]').click()
    // cancelling the confirm archives nothing
    await page.locator('.van-dialog__cancel').click()
    await page.locator('.van-dialog').waitFor({ state: 'hidden' })
    await page.locator('[data-test="plan-edit-archive"]').click()
    const archived = waitForRpc(page, 'plan_archive')
    await page.locator('.van-dialog__confirm').click()
    expect((await archived).status()).toBe(200)
    await page.locator('[data-test="plan-edit-archived"]').waitFor()
    await page.locator('[data-test="plan-edit-unarchive"]').waitFor()

    const teacher = await apiClient('teacher1@demo.example')
    const { data: list } = await teacher.rpc('plan_list')
    expect((list as { id: string }[]).some(p => p.id === plan)).toBe(false)
  })
})
