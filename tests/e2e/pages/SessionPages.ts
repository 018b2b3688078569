import type { Page } from 'playwright-core'
import { waitForRpc } from '../support'

/** The sessions screens: detail with check-in, the organiser's code screen, the sheet. */
export class SessionPages {
  constructor(readonly page: Page) {}

  get detail() { return this.page.locator('[data-test="session-page"]') }
  get codeInput() { return this.page.locator('[data-test="checkin-code"] input') }
  get submit() { return this.page.locator('[data-test="checkin-submit"]') }
  get done() { return this.page.locator('[data-test="checkin-done"]') }
  get pending() { return this.page.locator('[data-test="checkin-pending"]') }
  get checkinError() { return this.page.locator('[data-test="checkin-error"]') }
  get digits() { return this.page.locator('[data-test="code-digits"]') }
  count(k: 'expected' | 'present' | 'late' | 'excused') { return this.page.locator(`[data-test="count-${k}"]`) }
  /** The row of a member by their name (not by the label, which may name who marked someone else). */
  sheetRow(name: string) { return this.page.locator('[data-test="sheet-row"]', { has: this.page.locator('[data-test="sheet-name"]', { hasText: name }) }) }

  async openDetail(id: string) {
    const loaded = waitForRpc(this.page, 'session_detail')
    await this.page.goto(`/sessions/${id}`)
    await loaded
    await this.detail.waitFor()
  }

  async openCode(id: string) {
    await this.page.goto(`/sessions/${id}/code`)
    await this.digits.waitFor()
  }

  /** The six digits shown on the organiser's screen right now. */
  async shownCode(): Promise<string> {
    return (await this.digits.textContent() ?? '').replace(/\D/g, '')
  }

  /** Types the code and presses 签到; resolves with the session_check_in answer (online). */
  async typeCode(code: string) {
    await this.codeInput.fill(code)
    const answered = waitForRpc(this.page, 'session_check_in')
    await this.submit.click()
    return answered
  }

  /** The status a sheet row shows (present, late, excused, expected, pending …). */
  async rowStatus(name: string): Promise<string> {
    const cls = await this.sheetRow(name).locator('[data-test="session-status"]').getAttribute('class') ?? ''
    return /status-(\w+)/.exec(cls)?.[1] ?? ''
  }

  /** My own status on the session page (the tag under the title). */
  async myStatus(): Promise<string> {
    const cls = await this.page.locator('[data-test="session-info"] [data-test="session-status"]').getAttribute('class') ?? ''
    return /status-(\w+)/.exec(cls)?.[1] ?? ''
  }

  /** Taps a member on the sheet, then an entry of the action sheet; resolves with the RPC's answer. */
  async act(name: string, action: string, rpc: 'leave_decide' | 'attendance_mark', reason = '') {
    await this.sheetRow(name).click()
    const item = this.page.locator('[data-test="sheet-actions"] .van-action-sheet__item', { hasText: action })
    await item.waitFor()
    const answered = waitForRpc(this.page, rpc)
    // the sheet re-reads after the action (or on the broadcast the write causes)
    const reread = waitForRpc(this.page, 'attendance_sheet')
    await item.click()
    if (rpc === 'attendance_mark') {
      const dialog = this.page.locator('[data-test="mark-dialog"]')
      await dialog.locator('[data-test="mark-reason"] textarea').fill(reason)
      await dialog.locator('.van-dialog__confirm').click()
    }
    const res = await answered
    await reread
    return res
  }

  /** Until no CSS transition or animation runs (Vant's pop-ups, toasts), for a still screenshot. */
  async settled() {
    await this.page.waitForFunction(() => document.getAnimations().every(a => a.playState !== 'running'))
  }

  async openSheet(id: string) {
    const loaded = waitForRpc(this.page, 'attendance_sheet')
    await this.page.goto(`/sessions/${id}/sheet`)
    await loaded
    await this.page.locator('[data-test="sheet-page"] [data-test="sheet-row"]').first().waitFor()
  }
}
