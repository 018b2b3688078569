import { describe, expect, it } from 'vitest'
import { JoinPage } from './pages/JoinPage'
import { LoginPage } from './pages/LoginPage'
import { Shell } from './pages/Shell'
import { DEMO_INVITE, demoAccounts, uniqueEmail, useBrowser } from './support'

const b = useBrowser()

describe('offline', () => {
  it('with the network cut, a reload still opens the app with the offline banner', async () => {
    const page = await b.open()
    const join = new JoinPage(page)
    await join.goto(DEMO_INVITE)
    await join.preview.waitFor()
    await join.signUp('离线测试', uniqueEmail('offline'), 'secret-123')
    const shell = new Shell(page)
    await shell.home.waitFor()
    await shell.controlledByServiceWorker()
    await shell.home.waitFor()

    await b.state.context.setOffline(true)
    await page.reload()
    await shell.offlineBanner.waitFor()
    expect(await shell.offlineBanner.textContent()).toContain('网络已断开')
    expect(await page.locator('[role="status"] [data-test="offline-banner"]').count()).toBe(1)
    await shell.tabbar.waitFor()
    expect(new URL(page.url()).pathname).toBe('/')

    // back online: the banner goes away without a reload
    await b.state.context.setOffline(false)
    await shell.offlineBanner.waitFor({ state: 'detached' })
  })

  it('in a browser without service workers (WeChat\'s in-app browser) the app still works online', async () => {
    const teacher = demoAccounts().find(a => a.label.includes('teacher') && a.login.includes('@'))
    if (!teacher)
      throw new Error('the demo seeds have no teacher')
    const page = await b.open()
    // what such a browser is: no navigator.serviceWorker at all
    await page.context().addInitScript(() => {
      delete (Navigator.prototype as { serviceWorker?: unknown }).serviceWorker
    })
    const errors: string[] = []
    page.on('pageerror', e => errors.push(e.message))
    const login = new LoginPage(page)
    await login.goto('/login')
    expect(await page.evaluate(() => 'serviceWorker' in navigator)).toBe(false)
    expect((await login.signIn(teacher.login, teacher.password)).status()).toBe(200)
    const shell = new Shell(page)
    await shell.home.waitFor()
    await page.locator('[data-test="home-next-session"]').waitFor()
    await shell.tab('readings').click()
    await page.locator('[data-test="plan-card-count"]').first().waitFor()
    await shell.tab('me').click()
    await shell.me.waitFor()
    // no update check to offer where there is no service worker
    expect(await page.locator('[data-test="me-version"] .van-cell__right-icon').count()).toBe(0)
    await page.reload()
    await shell.me.waitFor()
    expect(errors).toEqual([])
  })
})
