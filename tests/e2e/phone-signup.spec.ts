// A new member whose secretary put them on the branch roster signs up by phone: the app asks for
// the SMS code, the member reads it (here: from the local stack's SMS outbox, /sms.json, where a
// phone would show the text message), enters a wrong one first, then the right one, and lands in
// the branch their roster row names, with the role it carries.
import { createClient } from '@supabase/supabase-js'
import { describe, expect, it } from 'vitest'
import ws from 'ws'
import { JoinPage } from './pages/JoinPage'
import { Shell } from './pages/Shell'
import { ANON_KEY, apiClient, apiSession, DEMO_INVITE, shots, STACK_URL, storeSession, uniqueEmail, useBrowser, waitForAuth, waitForRpc } from './support'

const b = useBrowser()
const shot = shots('phone-signup')

const BRANCH_B = '00000000-0000-4000-8000-000000000021'
const BRANCH_B_NAME = '示例实验小学教师党支部'

async function smsOutbox(phone: string): Promise<{ otp: string, body: string }[]> {
  const res = await fetch(`${STACK_URL}/sms.json?phone=${phone}`)
  expect(res.status).toBe(200)
  return await res.json() as { otp: string, body: string }[]
}

describe('sign-up by phone', () => {
  it('a member on the roster signs up, enters the SMS code and lands in the roster\'s branch', { timeout: 90_000 }, async () => {
    const local = `139${String(Date.now()).slice(-8)}`
    // the roster row: branch B's secretary imports the new member as a committee member
    const secretary = await apiClient('secretary2@demo.example')
    const imported = await secretary.rpc('roster_import', { p_id: crypto.randomUUID(), p_org_id: BRANCH_B, p_rows: [{ name: '新委员', phone: local, org: '', role: 'committee' }] })
    expect(imported.error).toBeNull()

    const page = await b.open()
    const join = new JoinPage(page)
    await join.goto(DEMO_INVITE)
    await join.preview.waitFor()
    const signup = await join.startSignUp('新委员', local, 'secret-123')
    expect(signup.status()).toBe(200)
    await join.codeForm.waitFor()
    expect(await page.locator('[data-test="sms-code-sent"]').textContent()).toContain(local)
    // the resend button counts down first
    expect(await page.locator('[data-test="sms-code-resend"]').isDisabled()).toBe(true)

    const sms = (await smsOutbox(`86${local}`))[0]!
    expect(sms.body).toContain(sms.otp)

    const wrong = await join.enterCode(sms.otp === '000000' ? '111111' : '000000')
    expect(wrong.status()).toBe(403)
    await page.locator('[data-test="sms-code-error"]').waitFor()
    expect(await page.locator('[data-test="sms-code-error"]').textContent()).toContain('验证码不正确或已过期')
    await shot(page, 'join-code-wrong', { narrow: true })

    const redeemed = waitForRpc(page, 'invite_redeem')
    const ok = await join.enterCode(sms.otp)
    expect(ok.status()).toBe(200)
    expect((await redeemed).status()).toBe(200)
    const shell = new Shell(page)
    await shell.home.waitFor()

    await shell.tab('me').click()
    await shell.me.waitFor()
    const cells = page.locator('[data-test="me-membership"]')
    await cells.filter({ hasText: BRANCH_B_NAME }).waitFor()
    expect(await cells.filter({ hasText: BRANCH_B_NAME }).textContent()).toContain('委员')

    // the account is the member's: their phone and password sign in, and the roster's role is theirs
    const member = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    expect((await member.auth.signInWithPassword({ phone: `86${local}`, password: 'secret-123' })).error).toBeNull()
    const ctx = await member.rpc('my_context')
    expect((ctx.data.memberships as { org_id: string, role: string }[]).find(m => m.org_id === BRANCH_B)?.role).toBe('committee')
  })

  it('a member changes their phone on 我的: the new number is theirs only after its code', { timeout: 90_000 }, async () => {
    const email = uniqueEmail('phone-change')
    const c = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    expect((await c.auth.signUp({ email, password: 'secret-123', options: { data: { display_name: '换号老师' } } })).error).toBeNull()
    const local = `138${String(Date.now()).slice(-8)}`
    const page = await b.open()
    await storeSession(page, await apiSession(email, 'secret-123'))
    await page.goto('/me/profile')
    await page.locator('[data-test="profile-form"]').waitFor()
    await page.locator('[data-test="profile-phone"] input').fill(local)
    const put = waitForAuth(page, 'user')
    await page.locator('[data-test="profile-save"]').click()
    expect((await put).status()).toBe(200)
    await page.locator('[data-test="sms-code-form"]').waitFor()
    await shot(page, 'profile-code', { narrow: true })
    // until the code is entered the account has no phone
    const before = await c.auth.getUser()
    expect(before.data.user?.phone).toBe('')

    const code = (await smsOutbox(`86${local}`))[0]!.otp
    await page.locator('[data-test="sms-code-input"] input').fill(code)
    const verified = waitForAuth(page, 'verify')
    const saved = waitForRpc(page, 'profile_update')
    await page.locator('[data-test="sms-code-submit"]').click()
    expect((await verified).status()).toBe(200)
    expect((await saved).status()).toBe(200)
    await page.locator('[data-test="me-page"]').waitFor()
    const after = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    expect((await after.auth.signInWithPassword({ phone: `86${local}`, password: 'secret-123' })).error).toBeNull()
    expect((await after.rpc('my_context')).data.profile.phone).toBe(`86${local}`)
  })
})
