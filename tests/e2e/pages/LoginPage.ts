import type { Page } from 'playwright-core'
import { waitForAuth } from '../support'

export class LoginPage {
  constructor(readonly page: Page) {}

  get form() { return this.page.locator('[data-test="login-form"]') }

  async goto(path = '/login') {
    await this.page.goto(path)
    await this.form.waitFor()
  }

  /** Fill and submit; resolves when the token endpoint answered. */
  async signIn(login: string, password: string) {
    await this.page.locator('[data-test="login-input"] input').fill(login)
    await this.page.locator('[data-test="password-input"] input').fill(password)
    const answered = waitForAuth(this.page, 'token')
    await this.page.locator('[data-test="login-submit"]').click()
    return answered
  }
}
