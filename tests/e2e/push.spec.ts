// Web Push in 我的: where the browser has no PushManager (WeChat's in-app browser, many mainland
// browsers) the screen says so plainly and that 消息 still works, with no switch that does
// nothing; the service worker carries the push handler. Sending itself is tested in
// tests/unit/push-sender.test.ts; a real push service is not reachable from here.
import { describe, expect, it } from 'vitest'
import { Shell } from './pages/Shell'
import { signInAs, useBrowser } from './support'

const b = useBrowser()

describe('push notifications in 我的', () => {
  it('a browser without PushManager is told it cannot, and that 消息 still works; no switch', async () => {
    const page = await b.open()
    await page.context().addInitScript(() => {
      delete (window as { PushManager?: unknown }).PushManager
    })
    await signInAs(page, 'teacher4@demo.example')
    const shell = new Shell(page)
    await shell.tab('me').click()
    await shell.me.waitFor()
    const note = page.locator('[data-test="me-push-unavailable"]')
    await note.waitFor()
    expect(await note.getAttribute('data-state')).toBe('unsupported')
    expect(await note.textContent()).toContain('这个浏览器不能接收推送通知')
    expect(await note.textContent()).toContain('“消息”照常可用')
    expect(await page.locator('[data-test="me-push-switch"]').count()).toBe(0)
    await note.scrollIntoViewIfNeeded()
    if (process.env.E2E_SHOTS)
      await page.screenshot({ path: 'test-results/me/push-unsupported.png' })
  })

  it('a build without a VAPID key (as here) says push is not set up, in a browser that could push; no switch', async () => {
    const page = await b.open()
    await signInAs(page, 'teacher4@demo.example')
    expect(await page.evaluate(() => 'PushManager' in window && 'Notification' in window && 'serviceWorker' in navigator)).toBe(true)
    const shell = new Shell(page)
    await shell.tab('me').click()
    const note = page.locator('[data-test="me-push-unavailable"]')
    await note.waitFor()
    expect(await note.getAttribute('data-state')).toBe('unconfigured')
    expect(await note.textContent()).toContain('本系统尚未开通推送通知')
    expect(await note.textContent()).toContain('“消息”照常可用')
    expect(await page.locator('[data-test="me-push-switch"]').count()).toBe(0)
  })

  it('the service worker the app installs handles push and notification clicks', async () => {
    const page = await b.open()
    await signInAs(page, 'teacher4@demo.example')
    const shell = new Shell(page)
    await shell.controlledByServiceWorker()
    const sw = await (await page.request.get('/sw.js')).text()
    expect(sw).toContain('push-sw.js')
    const handler = await (await page.request.get('/push-sw.js')).text()
    expect(handler).toContain('showNotification')
    expect(handler).toContain('notificationclick')
  })
})
