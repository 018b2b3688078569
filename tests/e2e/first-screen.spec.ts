import type { Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { Shell } from './pages/Shell'
import { apiSession, BASE_URL, demoAccounts, storeSession, useBrowser, waitForRpc } from './support'

const b = useBrowser()

/** A demo teacher with cards on home (next session, reading, plan, topics). */
function teacher() {
  const t = demoAccounts().find(a => a.label.includes('teacher') && a.login.includes('@'))
  if (!t)
    throw new Error('no demo teacher in seeds/demo-accounts.json')
  return t
}

/** Hold every request matching `pattern` until `release()`; `seen` resolves at the first one. */
async function hold(page: import('playwright-core').Page, pattern: string) {
  const held: Route[] = []
  let seen!: () => void
  const first = new Promise<void>((resolve) => {
    seen = resolve
  })
  let open = false
  await page.route(pattern, (route) => {
    if (open)
      return route.continue()
    held.push(route)
    seen()
  })
  return {
    first,
    async release() {
      open = true
      await Promise.all(held.splice(0).map(r => r.continue()))
    },
  }
}

describe('the first screen before the app', () => {
  it('sign-in is drawn by the HTML alone, with JavaScript off, in zh-CN', async () => {
    await b.open()
    const context = await b.state.context.browser()!.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false, baseURL: BASE_URL })
    try {
      const page = await context.newPage()
      await page.goto('/login')
      const shell = page.locator('#app-shell .app-shell__login')
      await shell.locator('h1').waitFor()
      expect(await shell.locator('h1').textContent()).toBe('学习型党组织')
      expect(await shell.locator('input[name="login"]').getAttribute('placeholder')).toBe('手机号或邮箱')
      expect(await shell.locator('input[name="password"]').isVisible()).toBe(true)
      expect(await shell.locator('button[type="submit"]').textContent()).toContain('登录')
      // nothing of the app ran
      expect(await page.locator('#app').innerHTML()).toBe('')
      if (process.env.E2E_SHOTS)
        await page.screenshot({ path: `${process.env.E2E_SHOTS}/login-shell-light.png` })
    }
    finally {
      await context.close()
    }
  })

  it('the app takes over from the sign-in shell: the shell goes, what was typed stays', async () => {
    const page = await b.open()
    const entry = await hold(page, '**/assets/index-*.js')
    await page.goto('/login', { waitUntil: 'commit' })
    await entry.first
    const shellLogin = page.locator('#app-shell input[name="login"]')
    await shellLogin.fill('teacher1@demo.example')
    expect(await page.locator('[data-test="login-form"]').count()).toBe(0)
    await entry.release()
    await page.locator('[data-test="login-form"]').waitFor()
    await page.locator('#app-shell').waitFor({ state: 'detached' })
    expect(await page.locator('[data-test="login-input"] input').inputValue()).toBe('teacher1@demo.example')
  })

  it('a returning member sees their last home before home_summary answers, and before the app runs', async () => {
    const account = teacher()
    const page = await b.open()
    await storeSession(page, await apiSession(account.login, account.password))
    const first = waitForRpc(page, 'home_summary')
    await page.goto('/')
    expect((await first).status()).toBe(200)
    const shell = new Shell(page)
    await shell.home.locator('[data-test="home-next-session"]').waitFor()
    const title = (await shell.home.locator('[data-test="home-next-session"]').textContent())!.trim()
    expect(title.length).toBeGreaterThan(0)
    // the HTML of that home is kept once it is drawn
    await page.waitForFunction(() => Object.keys(localStorage).some(k => k.startsWith('xxdzz-home:') && JSON.parse(localStorage.getItem(k)!).html))

    // Next start: the summary and the app's own script held back. The static shell already shows
    // the member's home (the app has not run: #app is empty) ...
    // (in dark mode, which the shell must take before it paints, as the app does)
    await page.emulateMedia({ colorScheme: 'dark' })
    const summary = await hold(page, '**/rest/v1/rpc/home_summary')
    const entry = await hold(page, '**/assets/index-*.js')
    await page.reload({ waitUntil: 'commit' })
    await entry.first
    const kept = page.locator('#app-shell .app-shell__snapshot')
    await kept.getByText(title.slice(0, 8)).first().waitFor()
    expect(await page.locator('#app').innerHTML()).toBe('')
    expect(await page.evaluate(() => document.documentElement.classList.contains('van-theme-dark'))).toBe(true)
    if (process.env.E2E_SHOTS)
      await page.screenshot({ path: `${process.env.E2E_SHOTS}/home-shell-dark.png` })
    // ... and once the app runs, it draws the kept summary itself while home_summary is still held
    await entry.release()
    await summary.first
    await shell.home.locator('[data-test="home-next-session"]').waitFor()
    expect((await shell.home.locator('[data-test="home-next-session"]').textContent())!.trim()).toBe(title)
    expect(await shell.greeting.textContent()).toContain('张老师')
    await page.locator('#app-shell').waitFor({ state: 'detached' })
    const fresh = waitForRpc(page, 'home_summary')
    await summary.release()
    expect((await fresh).status()).toBe(200)
  })

  it('signing out forgets the kept home', async () => {
    const account = teacher()
    const page = await b.open()
    await storeSession(page, await apiSession(account.login, account.password))
    await page.goto('/')
    await page.waitForFunction(() => Object.keys(localStorage).some(k => k.startsWith('xxdzz-home:')))
    await page.goto('/me')
    await page.locator('[data-test="me-page"]').waitFor()
    await page.locator('[data-test="sign-out"]').click()
    await page.locator('.van-dialog__confirm').click()
    await page.locator('[data-test="login-form"]').waitFor()
    expect(await page.evaluate(() => Object.keys(localStorage).filter(k => k.startsWith('xxdzz-home:')))).toEqual([])
  })
})
