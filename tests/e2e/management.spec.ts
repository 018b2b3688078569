// The management journey in a real Chromium: a bureau admin creates a branch; its secretary
// imports a roster with one bad row, fixes it and imports; a teacher on the roster signs up with
// their phone number and lands in that branch; the roster and the report show them.
import type { Page } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import { afterAll, describe, expect, it } from 'vitest'
import ws from 'ws'
import { AdminPages } from './pages/AdminPages'
import { JoinPage } from './pages/JoinPage'
import { LoginPage } from './pages/LoginPage'
import { ANON_KEY, ROOT, STACK_URL, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const SHOTS = process.env.E2E_SHOTS ? join(ROOT, 'test-results/management') : ''
const pages: Page[] = []

async function signedIn(login: string): Promise<Page> {
  const page = await b.open()
  pages.push(page)
  const l = new LoginPage(page)
  await l.goto()
  await l.signIn(login, 'demo1234')
  await page.locator('[data-test="home-page"]').waitFor()
  return page
}

async function shot(page: Page, name: string) {
  if (!SHOTS)
    return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

afterAll(async () => {
  await Promise.all(pages.map(p => p.context().close().catch(() => {})))
})

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`

describe('management', () => {
  it('admin creates a branch; its secretary imports a roster, fixing a bad row; a teacher on it signs up and lands there', { timeout: 240_000 }, async () => {
    const suffix = Date.now().toString(36).slice(-4).toUpperCase()
    const branchName = `示例一中第三党支部${suffix}`

    // 1. the bureau admin creates the branch in the tree
    const admin = new AdminPages(await signedIn('admin@demo.example'))
    await admin.page.goto('/admin')
    await admin.t('admin-to-orgs').waitFor()
    await shot(admin.page, '01-admin-home')
    await admin.openOrgs()
    await shot(admin.page, '02-org-tree')
    const created = await admin.createOrg('示例县第一中学党委', branchName, 'branch')
    expect(created.status()).toBe(200)
    const branchId = (await created.json()).id as string
    await admin.t(`org-${branchName}`).waitFor()

    // the admin names its secretary: the principal, who already has an account (attached at once)
    const c = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } })
    await c.auth.signInWithPassword({ email: 'admin@demo.example', password: 'demo1234' })
    const { data: made, error } = await c.rpc('roster_import', { p_id: crypto.randomUUID(), p_org_id: branchId, p_rows: [{ name: '孙校长（示例）', phone: '13800000009', org: '', role: '书记' }] })
    expect(error).toBeNull()
    expect(made.attached).toBe(1)

    // 2. the secretary imports a roster with one bad row, fixes it, checks again and imports
    const sec = new AdminPages(await signedIn('principal@demo.example'))
    await sec.openImport(branchId)
    await shot(sec.page, '03-import-start')
    const p1 = phone()
    const p2 = phone()
    const csv = `姓名,手机号,组织,角色\n新老师甲${suffix},${p1},,党员\n新老师乙${suffix},12345,${branchName},党员\n`
    await sec.pickFile('roster.csv', csv)
    await expect.poll(() => sec.t('import-bad-count').textContent()).toContain('1')
    await expect(sec.t('import-bad-row-2').textContent()).resolves.toContain('手机号应为 11 位大陆手机号')
    await expect(sec.t('import-save').count()).resolves.toBe(0)
    await shot(sec.page, '04-import-bad-row')
    await sec.fixRow(2, 'phone', p2)
    const rechecked = waitForRpc(sec.page, 'roster_import_check')
    await sec.t('import-recheck').click()
    await rechecked
    await sec.t('import-save').waitFor()
    const saved = waitForRpc(sec.page, 'roster_import')
    await sec.t('import-save').click()
    expect((await (await saved).json()).saved).toBe(2)
    await sec.t('import-done').waitFor()
    await shot(sec.page, '05-import-done')

    // 3. an invite for the branch, shown with its QR code
    await sec.openInvites(branchId)
    const code = await sec.createInvite()
    expect(code).toMatch(/^[A-Z2-9]{8}$/)
    await shot(sec.page, '06-invite-qr')

    // 4. the teacher signs up with the phone number from the roster and lands in the branch
    const teacherPage = await b.open()
    pages.push(teacherPage)
    const join = new JoinPage(teacherPage)
    await join.goto(code)
    const redeemed = await join.signUpWithPhone(`新老师甲${suffix}`, p1, 'demo1234')
    expect(redeemed.status()).toBe(200)
    expect((await redeemed.json()).org_id).toBe(branchId)
    await teacherPage.locator('[data-test="home-page"]').waitFor()

    // 5. the roster and the report show them: 2 members (secretary, teacher), 1 still waiting
    await sec.openRoster(branchId)
    await expect(sec.page.locator('[data-test="roster-list"]').textContent()).resolves.toContain(`新老师甲${suffix}`)
    await sec.t(`roster-pending-86${p2}`).waitFor()
    await shot(sec.page, '07-roster')
    await sec.openReports(branchId)
    await shot(sec.page, '08-report-charts')
    await sec.page.locator('.van-tab', { hasText: '明细表' }).click()
    const members = sec.t('report-table-members')
    await expect.poll(() => members.locator('tbody tr').first().textContent()).toMatch(new RegExp(`${branchName}\\s*2\\s*1`))
    await shot(sec.page, '09-report-tables')
    const download = sec.page.waitForEvent('download')
    await sec.t('report-export').click()
    expect((await download).suggestedFilename()).toMatch(/\.xlsx$/)

    // the bureau sees the audit trail of all this
    await admin.page.goto('/admin/audit')
    await admin.page.locator('[data-test^="audit-entry-"]').first().waitFor()
    await expect(admin.page.locator('[data-test="admin-audit-page"]').textContent()).resolves.toContain('导入名单')
    await shot(admin.page, '10-audit')
  })
})
