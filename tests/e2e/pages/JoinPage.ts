import type { Page } from 'playwright-core'
import { waitForRpc } from '../support'

export class JoinPage {
  constructor(readonly page: Page) {}

  get preview() { return this.page.locator('[data-test="invite-preview"]') }
  get orgName() { return this.page.locator('[data-test="invite-org"] .van-cell__title') }

  /** Open /join?code=…; resolves when invite_preview answered. */
  async goto(code: string) {
    const answered = waitForRpc(this.page, 'invite_preview')
    await this.page.goto(`/join?code=${encodeURIComponent(code)}`)
    return answered
  }

  /** Sign up and redeem; resolves when redeem_invite answered. */
  async signUp(name: string, login: string, password: string) {
    await this.page.locator('[data-test="join-name"] input').fill(name)
    await this.page.locator('[data-test="join-login"] input').fill(login)
    await this.page.locator('[data-test="join-password"] input').fill(password)
    const answered = waitForRpc(this.page, 'redeem_invite')
    await this.page.locator('[data-test="join-submit"]').click()
    return answered
  }
}
