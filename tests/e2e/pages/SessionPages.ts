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
  sheetRow(name: string) { return this.page.locator('[data-test="sheet-row"]', { hasText: name }) }

  async openDetail(id: string) {
    const loaded = waitForRpc(this.page, 'get_session')
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

  /** Types the code and presses 签到; resolves with the check_in answer (online). */
  async typeCode(code: string) {
    await this.codeInput.fill(code)
    const answered = waitForRpc(this.page, 'check_in')
    await this.submit.click()
    return answered
  }

  async openSheet(id: string) {
    const loaded = waitForRpc(this.page, 'attendance_sheet')
    await this.page.goto(`/sessions/${id}/sheet`)
    await loaded
    await this.page.locator('[data-test="sheet-page"] [data-test="sheet-row"]').first().waitFor()
  }
}
