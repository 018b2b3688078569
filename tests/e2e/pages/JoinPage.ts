import type { Page } from 'playwright-core'
import { smsCode, waitForAuth, waitForRpc } from '../support'

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

  get codeForm() { return this.page.locator('[data-test="sms-code-form"]') }

  /** Fill the account and submit: a phone sign-up stops at the SMS code step (resolves on /signup). */
  async startSignUp(name: string, login: string, password: string) {
    await this.page.locator('[data-test="join-name"] input').fill(name)
    await this.page.locator('[data-test="join-login"] input').fill(login)
    await this.page.locator('[data-test="join-password"] input').fill(password)
    const answered = waitForAuth(this.page, 'signup')
    await this.page.locator('[data-test="join-submit"]').click()
    return answered
  }

  /** Enter the SMS code; resolves when /verify answered. */
  async enterCode(code: string) {
    await this.page.locator('[data-test="sms-code-input"] input').fill(code)
    const answered = waitForAuth(this.page, 'verify')
    await this.page.locator('[data-test="sms-code-submit"]').click()
    return answered
  }

  /** Sign up by phone: the code step, the code from the SMS outbox; resolves when invite_redeem answered. */
  async signUpWithPhone(name: string, phone: string, password: string) {
    await this.startSignUp(name, phone, password)
    await this.codeForm.waitFor()
    const redeemed = waitForRpc(this.page, 'invite_redeem')
    await this.enterCode(await smsCode(`86${phone}`))
    return redeemed
  }

  /** Sign up and redeem; resolves when invite_redeem answered. */
  async signUp(name: string, login: string, password: string) {
    await this.page.locator('[data-test="join-name"] input').fill(name)
    await this.page.locator('[data-test="join-login"] input').fill(login)
    await this.page.locator('[data-test="join-password"] input').fill(password)
    const answered = waitForRpc(this.page, 'invite_redeem')
    await this.page.locator('[data-test="join-submit"]').click()
    return answered
  }
}
