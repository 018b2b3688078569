// "A member asked to join" in a real Chromium: the secretary makes an invite that needs approval;
// a teacher with an account and no organisation opens it and asks; the secretary's badge rises
// live, the item opens the requests screen, the secretary approves there; the teacher's badge
// rises, the answer item opens 我的, which shows the new membership.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { apiClient, loneTeacher, shots, signInAs, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const shot = shots('join', { always: true })
const ORG = '示例实验小学教师党支部'

/** The tab bar's unread count (no badge: none unread). */
async function badge(page: Page): Promise<number> {
  const el = page.locator('[data-test="tab-inbox-badge"]')
  return await el.count() ? Number(await el.textContent()) : 0
}

async function unreadOf(email: string): Promise<number> {
  const c = await apiClient(email)
  const { data, error: e2 } = await c.rpc('inbox_unread')
  if (e2)
    throw e2
  return (data as { unread: number }).unread
}

describe('asking to join', () => {
  it('the teacher asks, the secretary\'s badge rises, the secretary approves, the teacher has the membership and the answer', { timeout: 180_000 }, async () => {
    const secretary = await b.signedIn('secretary2@demo.example')
    await secretary.goto('/admin/invites')
    await secretary.locator('[data-test="invite-new"]').click()
    await secretary.locator('[data-test="invite-approval"]').click()
    await shot(secretary, 'invite-form')
    const marked = waitForRpc(secretary, 'invite_set_approval')
    await secretary.locator('[data-test="invite-create"]').click()
    const invite = await (await marked).json() as { code: string, needs_approval: boolean }
    expect(invite.needs_approval).toBe(true)
    await secretary.keyboard.press('Escape')
    // the count as the server has it (reminders now due written), then the tab showing it
    const before = await unreadOf('secretary2@demo.example')
    await secretary.goto('/')
    await secretary.locator('[data-test="home-inbox"]').waitFor()
    if (before > 0)
      await secretary.locator(`[data-test="tab-inbox-badge"]:text-is("${before}")`).waitFor()
    else
      expect(await badge(secretary)).toBe(0)

    const t = await loneTeacher('孙老师')
    const teacher = await b.signedIn(t.email, 'demo1234')
    await teacher.goto(`/join?code=${invite.code}`)
    await teacher.locator('[data-test="invite-needs-approval"]').waitFor()
    await shot(teacher, 'join-preview')
    const asked = waitForRpc(teacher, 'join_request_create')
    await teacher.locator('[data-test="join-submit"]').click()
    expect((await asked).status()).toBe(200)
    await teacher.locator('[data-test="join-asked-pending"]').waitFor()
    await shot(teacher, 'join-asked')

    // the secretary's tab, without reloading
    await secretary.locator(`[data-test="tab-inbox-badge"]:text-is("${before + 1}")`).waitFor()
    await secretary.locator('[data-test="home-inbox"]').click()
    const item = secretary.locator('[data-test="inbox-item-join_requested"]').first()
    await item.waitFor()
    expect(await item.textContent()).toContain('孙老师')
    await shot(secretary, 'inbox')
    await item.click()
    await secretary.waitForURL('**/admin/join-requests')
    const row = secretary.locator(`[data-test="join-request-${t.id}"]`)
    await row.waitFor()
    await shot(secretary, 'join-requests')
    const answered = waitForRpc(secretary, 'join_request_answer')
    await row.locator('[data-test="join-approve"]').click()
    expect((await answered).status()).toBe(200)
    await secretary.locator(`[data-test="join-answered-${t.id}"]`).waitFor()
    await shot(secretary, 'join-requests-answered')

    // the teacher: the answer item, and the membership on 我的
    await teacher.locator('[data-test="join-asked-home"]').click()
    await teacher.locator('[data-test="home-page"]').waitFor()
    // live or on home's own read: reminders of the branch may join it, so at least the answer
    await teacher.locator('[data-test="tab-inbox-badge"]').waitFor()
    await teacher.locator('[data-test="home-inbox"]').click()
    const answer = teacher.locator('[data-test="inbox-item-join_approved"]')
    await answer.waitFor()
    expect(await answer.textContent()).toContain(ORG)
    await shot(teacher, 'inbox-answer')
    await answer.click()
    await teacher.waitForURL('**/me')
    await teacher.locator(`[data-test="me-membership"]:has-text("${ORG}")`).waitFor()
    await shot(teacher, 'me-membership')
  })

  it('in English: the approval invite, the requests screen and the invite form say what happens', { timeout: 120_000 }, async () => {
    const english = async (page: Page) => {
      await page.goto('/favicon.svg')
      await page.evaluate(() => localStorage.setItem('xxdzz-settings', JSON.stringify({ locale: 'en', fontScale: 1 })))
    }
    const visitor = await b.open()
    await english(visitor)
    await visitor.goto('/join?code=DEMOASK1')
    const note = visitor.locator('[data-test="invite-needs-approval"]')
    await note.waitFor()
    expect(await note.textContent()).toContain('approval')
    expect(await visitor.locator('[data-test="join-submit"]').textContent()).toContain('Sign up and ask to join')
    await shot(visitor, 'en-join-preview')

    const page = await b.open()
    await english(page)
    await signInAs(page, 'secretary2@demo.example')
    await page.goto('/admin/join-requests')
    // the request approved above is listed as answered
    await page.locator('[data-test="join-answered"]').waitFor()
    expect(await page.locator('[data-test="join-answered"]').textContent()).toContain('Approved')
    await shot(page, 'en-join-requests')
    await page.goto('/admin/invites')
    await page.locator('[data-test="invite-new"]').click()
    await page.locator('[data-test="invite-approval"]').waitFor()
    expect(await page.locator('[data-test="invite-form"]').textContent()).toContain('Needs approval')
    await shot(page, 'en-invite-form')
  })
})
