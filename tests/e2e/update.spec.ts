import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LoginPage } from './pages/LoginPage'
import { Shell } from './pages/Shell'
import { serveStatic } from './serve'
import { useBrowser } from './support'

const b = useBrowser()
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse())
    await fn()
})

/** A deployment of its own (a copy of the harness's build), so redeploying disturbs no other test. */
async function deployment() {
  const dir = mkdtempSync(join(tmpdir(), 'xxdzz-e2e-deploy-'))
  cpSync(process.env.E2E_DIST!, dir, { recursive: true })
  const site = await serveStatic(dir)
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => site.close())
  return {
    url: site.url,
    /** What a new release does to the service worker: its script changes. */
    release() {
      const sw = join(dir, 'sw.js')
      writeFileSync(sw, `${readFileSync(sw, 'utf8')}\n// next release ${Date.now()}\n`)
    },
  }
}

describe('a new version', () => {
  it('is offered while the app is open: "later" keeps the page, asking again in 我的 brings the prompt back, "now" reloads into it', async () => {
    const site = await deployment()
    const page = await b.open(site.url)
    await new LoginPage(page).goto()
    await new LoginPage(page).signIn('teacher1@demo.example', 'demo1234')
    const shell = new Shell(page)
    await shell.home.waitFor()
    await shell.controlledByServiceWorker()
    await shell.tab('me').click()
    await shell.me.waitFor()
    // a mark on this page: gone only if the page reloads
    await page.evaluate(() => {
      (window as unknown as {
        beforeUpdate: boolean
      }).beforeUpdate = true
    })
    const samePage = () => page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate === true)

    site.release()
    const version = page.locator('[data-test="me-version"]')
    const dialog = page.locator('[data-test="update-dialog"]')
    await version.click()
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('新版本')

    // later: the member may be writing something; nothing reloads, and the answer stands even
    // though the check that found the version is still finishing (it waits 1.5 s)
    await dialog.locator('.van-dialog__cancel').click()
    await dialog.waitFor({ state: 'hidden' })
    // the version cell says while the check runs: wait for it to end
    await page.locator('[data-test="me-version"][data-checking="false"]').waitFor()
    expect(await dialog.isVisible()).toBe(false)
    expect(await samePage()).toBe(true)

    // asking for updates shows the waiting version again; now: the page reloads under the new worker
    await version.click()
    await dialog.waitFor()
    const reloaded = page.waitForEvent('load')
    await dialog.locator('.van-dialog__confirm').click()
    await reloaded
    await shell.me.waitFor()
    expect(await samePage()).toBe(false)
    expect(await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration()
      return !!r?.active && !r.waiting && !!navigator.serviceWorker.controller
    })).toBe(true)
    expect(await dialog.isVisible()).toBe(false)
  })
})
