// The inbox and calendar in a real Chromium: the secretary moves a session on the edit screen;
// the teacher's tab shows the unread count rise live, the item opens the session, and the .ics
// downloaded there parses (ical.js) to the session's new time and place.
import { readFileSync } from 'node:fs'
import ICAL from 'ical.js'
import { describe, expect, it } from 'vitest'
import { bureauInputTime, newSession, shots, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const shot = shots('inbox', { always: true })

describe('inbox', () => {
  it('a moved session: the count rises live, the item opens the session, its .ics has the new time and place', { timeout: 180_000 }, async () => {
    // whole minutes: the edit form's datetime-local has no seconds
    const start = new Date(Math.ceil((Date.now() + 48 * 3600_000) / 60_000) * 60_000)
    const id = await newSession(start, '党课：学习十八大报告（E2E 消息）')
    const teacher = await b.signedIn('teacher1@demo.example')
    const badge = teacher.locator('[data-test="tab-inbox-badge"]')
    await badge.waitFor()
    const before = Number(await badge.textContent())
    expect(before).toBeGreaterThan(0) // at least "scheduled"

    const secretary = await b.signedIn('secretary1@demo.example')
    await secretary.goto(`/sessions/${id}/edit`)
    const moved = new Date(start.getTime() + 2 * 3600_000)
    const local = bureauInputTime(moved.getTime())
    await secretary.locator('[data-test="form-starts"] input').fill(local)
    await secretary.locator('[data-test="form-place"] input').fill('三楼会议室')
    const saved = waitForRpc(secretary, 'session_save')
    await secretary.locator('[data-test="form-save"]').click()
    expect((await saved).status()).toBe(200)

    // the teacher's tab, without reloading
    await teacher.locator(`[data-test="tab-inbox-badge"]:text-is("${before + 1}")`).waitFor()
    await shot(teacher, 'home-badge')
    await teacher.locator('[data-test="home-inbox"]').click()
    const item = teacher.locator('[data-test="inbox-item-session_moved"]').first()
    await item.waitFor()
    expect(await item.textContent()).toContain('三楼会议室')
    await shot(teacher, 'inbox')
    await item.click()
    await teacher.waitForURL(`**/sessions/${id}`)
    await teacher.locator('[data-test="calendar-add"]').waitFor()
    await shot(teacher, 'session-calendar')

    const download = teacher.waitForEvent('download')
    await teacher.locator('[data-test="calendar-add"]').click()
    const file = await (await download).path()
    const cal = new ICAL.Component(ICAL.parse(readFileSync(file, 'utf8')))
    const ev = new ICAL.Event(cal.getFirstSubcomponent('vevent')!)
    expect(ev.startDate.toJSDate().toISOString()).toBe(moved.toISOString())
    expect(ev.location).toBe('三楼会议室')
    expect(ev.summary).toBe('党课：学习十八大报告（E2E 消息）')

    await teacher.goto('/inbox/settings')
    await teacher.locator('[data-test="inbox-switch-session_moved"]').waitFor()
    await shot(teacher, 'settings')
    await teacher.goto('/me')
    await teacher.locator('[data-test="me-inbox"]').waitFor()
    // opened means read: the count is back where it was
    await teacher.locator(`[data-test="tab-inbox-badge"]:text-is("${before}")`).waitFor()
    await shot(teacher, 'me')

    // all at once: the badge goes
    await teacher.locator('[data-test="me-inbox"]').click()
    await teacher.locator('[data-test="inbox-mark-all"]').click()
    await teacher.locator('[data-test="tab-inbox-badge"]').waitFor({ state: 'detached' })
    await teacher.locator('[data-test="inbox-item-session_moved"].inbox-item--unread').waitFor({ state: 'detached' })
    await shot(teacher, 'inbox-all-read')
  })
})
