import type { Route } from 'playwright-core'
import { randomUUID } from 'node:crypto'
import { createClient } from '@supabase/supabase-js'
import { describe, expect, it } from 'vitest'
import ws from 'ws'
import { Shell } from './pages/Shell'
import { ANON_KEY, apiSession, BASE_URL, demoAccounts, STACK_URL, storeSession, useBrowser, waitForRpc } from './support'

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

  it('sign-in paints before any stylesheet has arrived, as it looks with them, light and dark; the app mounts only after them', async () => {
    for (const [colorScheme, first] of [['light', 'styles'], ['light', 'script'], ['dark', 'styles'], ['dark', 'script']] as const) {
      const page = await b.open()
      await page.emulateMedia({ colorScheme })
      // when the entry stylesheet has loaded and when the app first puts anything in #app
      await page.addInitScript(() => {
        const w = window as unknown as { __order: string[] }
        w.__order = []
        document.addEventListener('load', (e) => {
          if (e.target instanceof HTMLLinkElement && /\/assets\/index-[^/]+\.css$/.test(e.target.href))
            w.__order.push('styles')
        }, true)
        new MutationObserver(() => {
          if (document.getElementById('app')?.firstChild && !w.__order.includes('app'))
            w.__order.push('app')
        }).observe(document, { subtree: true, childList: true })
      })
      // (the entry stylesheet: the screens' own are preloads the shell does not use)
      const styles = await hold(page, '**/assets/index-*.css')
      const entry = await hold(page, '**/assets/index-*.js')
      await page.goto('/login', { waitUntil: 'commit' })
      await styles.first
      const shell = page.locator('#app-shell .app-shell__login')
      await shell.locator('button[type="submit"]').waitFor()
      expect(await page.evaluate(() => Array.from(document.styleSheets).filter(s => s.href).length)).toBe(0)
      const look = () => page.evaluate(() => ['.shell-brand h1', '.shell-brand p', '.van-cell-group', 'input[name="login"]', 'button[type="submit"]', '.shell-login__join a'].map((sel) => {
        const el = document.querySelector(`#app-shell ${sel}`)!
        const r = el.getBoundingClientRect()
        const c = getComputedStyle(el)
        return [sel, Math.round(r.top), Math.round(r.left), Math.round(r.width), Math.round(r.height), c.fontSize, c.color, c.backgroundColor, c.borderRadius].join(' ')
      }))
      const before = await look()
      const place = (sel: string) => page.evaluate(s => Array.from(document.querySelectorAll(s), el => `${Math.round(el.getBoundingClientRect().top)} ${Math.round(el.getBoundingClientRect().height)}`), sel)
      const shellPlace = await place('#app-shell .shell-brand h1, #app-shell button[type="submit"]')
      if (process.env.E2E_SHOTS)
        await page.screenshot({ path: `${process.env.E2E_SHOTS}/login-shell-unstyled-${colorScheme}-${first}.png` })
      if (first === 'styles') {
        // the sheet in, the shell looks as it did without it
        await styles.release()
        await page.waitForFunction(() => Array.from(document.styleSheets).some(s => s.href?.includes('/assets/index-')))
        expect(await look()).toEqual(before)
        await entry.release()
      }
      else {
        // the app's script runs first, as far as loading its sign-in screen (whose own stylesheet
        // Vite's loader puts in), while the entry sheet is held: the app waits for it
        await entry.release()
        await page.waitForFunction(() => document.querySelector('link[rel="stylesheet"][href*="/assets/LoginPage-"]'))
        await styles.release()
      }
      await page.locator('[data-test="login-form"]').waitFor()
      await page.locator('#app-shell').waitFor({ state: 'detached' })
      // the app's sign-in where the shell's was
      expect(await place('#app h1, #app [data-test="login-form"] button[type="submit"]')).toEqual(shellPlace)
      expect(await page.evaluate(() => (window as unknown as { __order: string[] }).__order)).toEqual(['styles', 'app'])
    }
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

  it('a hostile title, and hostile markup in the kept HTML, are shown as text on the kept home and run nothing', async () => {
    const account = teacher()
    // The teacher's secretary opens a topic whose title is markup; home lists it.
    const secretary = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    await secretary.auth.signInWithPassword({ email: 'secretary1@demo.example', password: 'demo1234' })
    const ctx = await secretary.rpc('my_context')
    const orgId = (ctx.data as { memberships: { org_id: string, role: string }[] }).memberships.find(m => m.role === 'secretary')!.org_id
    // (topic titles are at most 80 characters)
    const title = '<img src=x onerror=__xss=1><script>__xss=2</script><a href=javascript:__xss=3>'
    const topicId = randomUUID()
    const saved = await secretary.rpc('topic_save', { p_id: topicId, p_org_id: orgId, p_title: title, p_prompt: '标题是标记', p_deadline: null })
    expect(saved.error).toBeNull()
    // a new topic is a draft until it is opened
    expect((await secretary.rpc('topic_set_status', { p_topic_id: topicId, p_status: 'open' })).error).toBeNull()
    // home lists topics with replies the member has not read
    expect((await secretary.rpc('topic_post_create', { p_id: randomUUID(), p_topic_id: topicId, p_body: '第一条回复' })).error).toBeNull()
    try {
      const page = await b.open()
      await storeSession(page, await apiSession(account.login, account.password))
      await page.goto('/')
      await new Shell(page).home.locator('[data-test="home-topics"]').getByText(title).waitFor()
      await page.waitForFunction(() => Object.keys(localStorage).some(k => k.startsWith('xxdzz-home:') && JSON.parse(localStorage.getItem(k)!).html))
      // As if a render had let markup through: the kept HTML itself carries elements that would
      // run script or leave the app, which the shell must drop while keeping their text.
      await page.evaluate(() => {
        const key = Object.keys(localStorage).find(k => k.startsWith('xxdzz-home:'))!
        const kept = JSON.parse(localStorage.getItem(key)!) as { html: string }
        kept.html += '<div class="planted"><img src=x onerror="window.__xss=\'kept-img\'"><script>window.__xss=\'kept-script\'</script>'
          + '<a href="javascript:window.__xss=\'kept-link\'" onclick="window.__xss=\'kept-click\'">点我</a>'
          + '<a href="//evil.example/">外链</a><iframe src="javascript:parent.__xss=\'kept-frame\'"></iframe>'
          + '<svg><a href="javascript:window.__xss=\'kept-svg\'"><text>svg</text></a><animate onbegin="window.__xss=\'kept-anim\'" attributeName="x" dur="1s"/></svg>'
          + '<form action="https://evil.example/"><input name="password"></form><span style="background:url(https://evil.example/x)">样式</span></div>'
        localStorage.setItem(key, JSON.stringify(kept))
      })

      const entry = await hold(page, '**/assets/index-*.js')
      const summary = await hold(page, '**/rest/v1/rpc/home_summary')
      const outside: string[] = []
      await page.route(/^(?!http:\/\/(?:127\.0\.0\.1|localhost))/, (route) => {
        outside.push(route.request().url())
        return route.abort()
      })
      await page.reload({ waitUntil: 'commit' })
      await entry.first
      const kept = page.locator('#app-shell .app-shell__snapshot')
      await kept.getByText(title).waitFor()
      expect(await page.locator('#app').innerHTML()).toBe('')
      // the planted block is there, as text only
      const planted = kept.locator('.planted')
      expect(await planted.textContent()).toContain('点我')
      expect(await planted.locator('img, script, iframe, form, input, animate, [onerror], [onclick], [onbegin]').count()).toBe(0)
      expect(await kept.locator('script, img[src="x"], iframe').count()).toBe(0)
      expect(await planted.locator('a').evaluateAll(as => as.map(a => a.getAttribute('href')))).toEqual([null, null, null])
      expect(await planted.locator('span').last().getAttribute('style')).toBeNull()
      // (a click on the element itself: the kept home's fixed tab bar lies over the planted block)
      await planted.locator('a').first().dispatchEvent('click')
      expect(await page.evaluate(() => (window as { __xss?: string }).__xss ?? null)).toBeNull()
      expect(outside).toEqual([])
      // the app takes over and draws the fresh home, the title still as text
      await entry.release()
      await summary.first
      await summary.release()
      await page.locator('#app-shell').waitFor({ state: 'detached' })
      await new Shell(page).home.locator('[data-test="home-topics"]').getByText(title).waitFor()
      expect(await page.evaluate(() => (window as { __xss?: string }).__xss ?? null)).toBeNull()
    }
    finally {
      await secretary.rpc('topic_set_status', { p_topic_id: topicId, p_status: 'closed' })
      await secretary.auth.signOut()
    }
  })

  it('the kept home loses nothing of what home draws (the shell keeps every element, class and scoped-style mark it is made of)', async () => {
    const account = teacher()
    const page = await b.open()
    await storeSession(page, await apiSession(account.login, account.password))
    await page.goto('/')
    await page.waitForFunction(() => Object.keys(localStorage).some(k => k.startsWith('xxdzz-home:') && JSON.parse(localStorage.getItem(k)!).html))
    // the app's script and every stylesheet held: the kept home is drawn with its own kept rules
    const entry = await hold(page, '**/assets/index-*.js')
    const styles = await hold(page, '**/assets/*.css')
    await page.reload({ waitUntil: 'commit' })
    await entry.first
    await styles.first
    await page.locator('#app-shell .app-shell__snapshot > *').first().waitFor()
    const [raw, drawn] = await page.evaluate(() => {
      const key = Object.keys(localStorage).find(k => k.startsWith('xxdzz-home:'))!
      const t = document.createElement('template')
      t.innerHTML = (JSON.parse(localStorage.getItem(key)!) as { html: string }).html
      // data-v-*: what Vue's scoped styles select on, so the kept home is laid out as the app's
      const marks = (el: Element) => el.getAttributeNames().filter(n => n.startsWith('data-v-')).join(',')
      const shape = (root: ParentNode) => Array.from(root.querySelectorAll('*'), el => `${el.localName}.${el.getAttribute('class') ?? ''}[${marks(el)}]`).join('|')
      return [shape(t.content), shape(document.querySelector('#app-shell .app-shell__snapshot')!)]
    })
    expect(drawn).toBe(raw)
    // and, before any stylesheet has arrived, it is laid out as the app lays out home: the bar, the
    // greeting, the cards and the tab bar where the app puts them, in the app's colours
    expect(await page.evaluate(() => Array.from(document.styleSheets).filter(s => s.href).length)).toBe(0)
    const boxes = () => page.evaluate(() => ['.app-nav-bar', '.home-greeting__hello', '.van-cell-group__title', '.home-page .van-cell__title', '.app-tabbar__item--active', '.app-tabbar__icon'].map((sel) => {
      const el = document.querySelector(`${document.getElementById('app-shell') ? '#app-shell .app-shell__snapshot ' : '#app '}${sel}`)
      const r = el?.getBoundingClientRect()
      const look = el ? getComputedStyle(el) : null
      return r ? [sel, Math.round(r.top), Math.round(r.left), Math.round(r.width), Math.round(r.height), look!.fontSize, look!.color, look!.backgroundColor].join(' ') : `${sel} missing`
    }))
    const inShell = await boxes()
    await styles.release()
    await entry.release()
    await page.locator('#app-shell').waitFor({ state: 'detached' })
    expect(await boxes()).toEqual(inShell)
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
