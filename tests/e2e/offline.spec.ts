import { describe, expect, it } from 'vitest'
import { JoinPage } from './pages/JoinPage'
import { Shell } from './pages/Shell'
import { DEMO_INVITE, uniqueEmail, useBrowser } from './support'

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
})
