import { createClient } from '@supabase/supabase-js'
import { describe, expect, it } from 'vitest'
import ws from 'ws'
import { JoinPage } from './pages/JoinPage'
import { LoginPage } from './pages/LoginPage'
import { Shell } from './pages/Shell'
import { ANON_KEY, apiSession, DEMO_INVITE, demoAccounts, STACK_URL, storedSession, storeSession, uniqueEmail, useBrowser, waitForAuth, waitForRpc } from './support'

const b = useBrowser()

/** A demo account from the seeds, or a fresh one made through the API. */
async function anAccount() {
  const demo = demoAccounts()[0]
  if (demo)
    return demo
  const login = uniqueEmail('signin')
  const client = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
  const { error } = await client.auth.signUp({ email: login, password: 'secret-123', options: { data: { display_name: '测试党员' } } })
  if (error)
    throw error
  return { label: 'fresh', login, password: 'secret-123' }
}

describe('sign-up and sign-in', () => {
  it('a new member signs up with an invite code and lands on home', async () => {
    const page = await b.open()
    const join = new JoinPage(page)
    const preview = await join.goto(DEMO_INVITE)
    expect(preview.status()).toBe(200)
    await join.preview.waitFor()
    expect(await join.orgName.textContent()).toBeTruthy()

    const redeemed = await join.signUp('张老师', uniqueEmail('join'), 'secret-123')
    expect(redeemed.status()).toBe(200)
    const shell = new Shell(page)
    await shell.home.waitFor()
    expect(new URL(page.url()).pathname).toBe('/')
    expect(await shell.greeting.textContent()).toContain('张老师')
  })

  it('a returning member signs in, is taken where they were going, and stays signed in after a reload', async () => {
    const account = await anAccount()
    const page = await b.open()
    await page.goto('/me')
    const login = new LoginPage(page)
    await login.form.waitFor()
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/me')

    const token = await login.signIn(account.login, account.password)
    expect(token.status()).toBe(200)
    const shell = new Shell(page)
    await shell.me.waitFor()
    expect(new URL(page.url()).pathname).toBe('/me')

    const context = waitForRpc(page, 'my_context')
    await page.reload()
    expect((await context).status()).toBe(200)
    await shell.me.waitFor()
    expect(new URL(page.url()).pathname).toBe('/me')

    // opening the app on home costs one call: the summary brings who the member is (and the
    // unread count). Counted for home's own document (CDP's loaderId): 我的, which asks for the
    // count by itself once idle, may still send that call while home is being opened.
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    const rpcs: { fn: string, loader: string, initiator: string }[] = []
    let home = ''
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.type === 'Document' && new URL(e.request.url).pathname === '/')
        home = e.loaderId
      const fn = /\/rest\/v1\/rpc\/(\w+)/.exec(e.request.url)?.[1]
      if (fn && e.request.method === 'POST')
        rpcs.push({ fn, loader: e.loaderId, initiator: e.initiator.stack?.callFrames[0]?.url ?? e.initiator.url ?? e.initiator.type })
    })
    const summary = waitForRpc(page, 'home_summary')
    await page.goto('/')
    expect((await summary).status()).toBe(200)
    await shell.greeting.waitFor()
    await expect.poll(() => shell.greeting.textContent()).toContain('示例') // the member's organisation, from the summary
    expect(home).not.toBe('')
    const calls = rpcs.filter(r => r.loader === home)
    expect(calls.map(r => r.fn)).toEqual(['home_summary'])
    // ...asked for by index.html itself while the scripts download, and taken by the app
    const initiators = calls.map(r => r.initiator)
    expect(initiators.map(u => new URL(u).pathname)).toEqual(['/'])
  })

  it('a stored session whose token has run out is refreshed silently; one that cannot be refreshed goes to sign-in, keeping the way back', async () => {
    const account = await anAccount()
    const session = await apiSession(account.login, account.password)
    const page = await b.open()
    // the session with its access token run out (a phone left in a drawer overnight)
    const ranOut = (refreshToken: string) => ({ ...session, refresh_token: refreshToken, expires_at: Math.floor(Date.now() / 1000) - 60 })
    await storeSession(page, ranOut(session.refresh_token))

    const refreshed = waitForAuth(page, 'token?grant_type=refresh_token')
    const summary = waitForRpc(page, 'home_summary')
    const order: string[] = []
    page.on('response', r => r.url().includes('grant_type=refresh_token') && order.push('refreshed'))
    page.on('request', r => r.url().includes('/rpc/home_summary') && order.push('home_summary'))
    await page.goto('/')
    expect((await refreshed).status()).toBe(200)
    const call = await summary
    expect(call.status()).toBe(200)
    // a new session (the refresh token rotates; the access token may equal the old one byte for byte
    // when both were made in the same second, as GoTrue's would: no claim differs), and the call
    // waited for it
    const stored = await storedSession(page)
    expect(stored.refresh_token).not.toBe(session.refresh_token)
    expect(stored.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(order.slice(0, 2)).toEqual(['refreshed', 'home_summary'])
    expect(call.request().headers().authorization).toBe(`Bearer ${stored.access_token}`)
    const shell = new Shell(page)
    await shell.greeting.waitFor()
    expect(new URL(page.url()).pathname).toBe('/')

    // a refresh token the server refuses (revoked, or the member signed out elsewhere)
    await storeSession(page, ranOut('revoked-refresh-token'))
    const refused = waitForAuth(page, 'token?grant_type=refresh_token')
    await page.goto('/me?from=e2e')
    expect((await refused).status()).toBe(400)
    const login = new LoginPage(page)
    await login.form.waitFor()
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/me?from=e2e')
    await page.locator('[data-test="expired-notice"]').waitFor()

    await login.signIn(account.login, account.password)
    await shell.me.waitFor()
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/me?from=e2e')
  })

  it('home shows a teacher what needs doing, card after card, and a secretary the management entry under them', async () => {
    const accounts = demoAccounts()
    const teacher = accounts.find(a => a.label.includes('teacher') && a.login.includes('@'))
    const secretary = accounts.find(a => a.label.includes('secretary'))
    if (!teacher || !secretary)
      throw new Error('the demo seeds have no teacher or secretary')
    const cards = ['home-next-session', 'home-continue-reading', 'home-due-plan', 'home-topics']
    for (const [account, manages] of [[teacher, false], [secretary, true]] as const) {
      const page = await b.open()
      await storeSession(page, await apiSession(account.login, account.password))
      await page.goto('/')
      // the teacher has something in every card (seeds); the secretary's management entry comes last
      const last = manages ? 'home-manage' : 'home-topics'
      await page.locator(`[data-test="${last}"]`).waitFor()
      const present = []
      for (const id of [...cards, 'home-manage']) {
        const card = page.locator(`[data-test="${id}"]`)
        if (await card.count())
          present.push({ id, top: (await card.boundingBox())!.y })
      }
      if (!manages)
        expect(present.map(p => p.id)).toEqual(cards)
      expect(present.map(p => p.id).at(-1)).toBe(last)
      expect(present.map(p => p.top)).toEqual(present.map(p => p.top).sort((x, y) => x - y))
      await page.context().close()
    }
  })

  it('wrong password shows a translated error', async () => {
    const account = await anAccount()
    const page = await b.open()
    const login = new LoginPage(page)
    await login.goto()
    const token = await login.signIn(account.login, 'wrong-password')
    expect(token.status()).toBe(400)
    const error = page.locator('[data-test="login-error"]')
    await error.waitFor()
    expect(await error.textContent()).toContain('账号或密码错误')
  })
})
