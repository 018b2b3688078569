import type { Page } from 'playwright-core'

/** The tab layout around every signed-in page. */
export class Shell {
  constructor(readonly page: Page) {}

  get home() { return this.page.locator('[data-test="home-page"]') }
  get greeting() { return this.page.locator('[data-test="home-greeting"]') }
  get me() { return this.page.locator('[data-test="me-page"]') }
  get tabbar() { return this.page.locator('[data-test="tabbar"]') }
  get offlineBanner() { return this.page.locator('[data-test="offline-banner"]') }

  tab(name: 'home' | 'readings' | 'topics' | 'sessions' | 'me') {
    return this.page.locator(`[data-test="tab-${name}"]`)
  }

  /** Resolves once a service worker controls this page (reloading once if needed). */
  async controlledByServiceWorker() {
    await this.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    if (!(await this.page.evaluate(() => !!navigator.serviceWorker.controller))) {
      await this.page.reload()
      await this.page.waitForFunction(() => !!navigator.serviceWorker.controller)
    }
  }
}
