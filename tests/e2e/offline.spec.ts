import { describe, expect, it } from 'vitest'
import { JoinPage } from './pages/JoinPage'
import { LoginPage } from './pages/LoginPage'
import { Shell } from './pages/Shell'
import { TopicPage } from './pages/TopicPage'
import { DEMO_INVITE, demoAccounts, signInAs, uniqueEmail, useBrowser, waitForRpc } from './support'

// seeds/20_topics.sql: a county-wide open topic, readable by every school
const COUNTY_TOPIC = '00000000-0000-4000-9300-000000000003'

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

  it('a thread read before opens offline from the phone\'s copy; a reply written there is queued, then posted once', async () => {
    const page = await b.open()
    await signInAs(page, 'teacher4@demo.example')
    const shell = new Shell(page)
    await shell.controlledByServiceWorker()
    const topic = new TopicPage(page)
    await topic.goto(COUNTY_TOPIC)
    const first = topic.posts.first()
    await first.waitFor()
    const firstWords = (await first.locator('[data-test="post-body"]').textContent())!.slice(0, 12)
    // the copy is written after the answer arrives
    await expect.poll(() => page.evaluate(() => new Promise<number>((resolve) => {
      const open = indexedDB.open('xxdzz-readings')
      open.onsuccess = () => {
        const req = open.result.transaction('responses').objectStore('responses').getAllKeys()
        req.onsuccess = () => resolve(req.result.filter(k => String(k).includes('topic-feed:')).length)
      }
    }))).toBeGreaterThan(0)

    await b.state.context.setOffline(true)
    await page.reload()
    await topic.offlineCopy.waitFor()
    await topic.post(firstWords).waitFor()
    const text = unique('离线时写的回复')
    await topic.write(text)
    await topic.send.click()
    await page.locator('.van-toast', { hasText: '联网后自动发送' }).waitFor()
    const queued = topic.post(text)
    await queued.waitFor()
    expect(await queued.getAttribute('class')).toContain('topic-post--pending')
    await expect.poll(() => TopicPage.inView(queued)).toBe(true)
    if (process.env.E2E_SHOTS)
      await page.screenshot({ path: 'test-results/topics/offline-thread-queued.png' })
    // still shown (greyed) after the app restarts offline: it is what the phone holds
    await page.reload()
    await topic.post(text).waitFor()

    const delivered = waitForRpc(page, 'topic_post_create')
    await b.state.context.setOffline(false)
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    expect((await delivered).status()).toBe(200)
    await expect.poll(async () => (await topic.post(text).getAttribute('class')) ?? '').not.toContain('topic-post--pending')
    await topic.goto(COUNTY_TOPIC)
    await topic.post(text).waitFor()
    expect(await topic.post(text).count()).toBe(1)
  })
})

function unique(label: string) {
  return `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}
