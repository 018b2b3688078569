import { randomUUID } from 'node:crypto'
// The management journey in a real Chromium: a bureau admin creates a branch and puts the
// principal (a member of another organisation) on its roster as secretary; the principal is
// asked and accepts on 我的; as secretary they import a roster whose bad rows are left out,
// listed by Excel's row numbers and downloadable; a teacher on the roster signs up with their
// phone number and lands in that branch; the roster and a report over a custom period show them.
// Then: the loading sign and the tap-to-retry error of a management screen, and of a list's next page.
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { AdminPages } from './pages/AdminPages'
import { JoinPage } from './pages/JoinPage'
import { apiClient, shots, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const shot = shots('management')

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`

describe('management', () => {
  it('admin puts a member of another school on a branch roster; they accept; as secretary they import the good rows and see the bad ones; a teacher signs up and lands there', { timeout: 240_000 }, async () => {
    const suffix = Date.now().toString(36).slice(-4).toUpperCase()
    const branchName = `示例一中第三党支部${suffix}`

    // 1. the bureau admin creates the branch in the tree
    const admin = new AdminPages(await b.signedIn('admin@demo.example'))
    await admin.page.goto('/admin')
    await admin.t('admin-to-orgs').waitFor()
    await shot(admin.page, '01-admin-home')
    await admin.openOrgs()
    await shot(admin.page, '02-org-tree')
    const created = await admin.createOrg('示例县第一中学党委', branchName, 'branch')
    expect(created.status()).toBe(200)
    const branchId = (await created.json()).id as string
    await admin.t(`org-${branchName}`).waitFor()

    // the admin names its secretary: the principal, who already has an account and belongs to
    // the school's committee. The answer says nothing about that; the principal is only asked.
    const c = await apiClient('admin@demo.example')
    const importId = crypto.randomUUID()
    const { data: made, error } = await c.rpc('roster_import', { p_id: importId, p_org_id: branchId, p_rows: [{ name: '孙校长（示例）', phone: '13800000009', org: '', role: '书记', line: 2 }] })
    expect(error).toBeNull()
    expect(made).toEqual({ import_id: importId, total: 1, saved: 1, bad: [] })

    // 2. the principal sees the invitation on 我的 and accepts; now the branch's secretary
    const sec = new AdminPages(await b.signedIn('principal@demo.example'))
    await sec.openMe()
    await sec.t(`roster-request-${branchId}`).waitFor()
    await expect(sec.t(`roster-request-${branchId}`).textContent()).resolves.toContain(branchName)
    await shot(sec.page, '03-me-invitation')
    const accepted = await sec.answerRequest(branchId, true)
    expect(await accepted.json()).toMatchObject({ org_id: branchId, accepted: true })

    // 3. as secretary: a roster with good and bad rows (a blank row in between, as Excel keeps
    // it); the good rows are imported, the bad ones listed by the row number Excel shows
    await sec.openImport(branchId)
    await shot(sec.page, '04-import-start')
    const template = await sec.download('import-template')
    expect(template.name).toMatch(/\.xlsx$/)
    const p1 = phone()
    const p2 = phone()
    const csv = [
      '姓名,手机号,组织,角色',
      `新老师甲${suffix},${p1},,党员`,
      `新老师乙${suffix},12345,${branchName},党员`,
      `新老师丙${suffix},${p2},,`,
      '',
      `,${phone()},不存在的支部,校长`,
    ].join('\n')
    await sec.pickFile('roster.csv', csv)
    await expect.poll(() => sec.t('import-bad-count').textContent()).toContain('2')
    await expect(sec.t('import-bad-row-3').textContent()).resolves.toContain('手机号应为 11 位大陆手机号')
    await expect(sec.t('import-bad-row-6').textContent()).resolves.toContain('缺少姓名')
    await shot(sec.page, '05-import-bad-rows')
    const saved = await sec.importGoodRows()
    expect(await saved.json()).toMatchObject({ saved: 2, bad: [{ row: 3, errors: ['phone_invalid'] }, { row: 6 }] })
    await sec.t('import-left-out-3').waitFor()
    await expect(sec.t('import-left-out-6').textContent()).resolves.toContain('找不到该组织')
    await shot(sec.page, '06-import-done')
    // the rows left out, as a workbook to fix and import again: the original row and the reason
    const left = await sec.download('import-bad-download')
    expect(left.name).toMatch(/未导入的行\.xlsx$/)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(left.bytes as unknown as ArrayBuffer)
    const rows = wb.worksheets[0]!.getSheetValues().filter(Boolean).map(r => (r as unknown[]).slice(1))
    expect(rows[0]).toEqual(['姓名', '手机号', '组织', '角色', '副校级以上干部', '原文件行号', '未导入原因'])
    expect(rows.slice(1).map(r => [r[0] ?? '', r[5]])).toEqual([[`新老师乙${suffix}`, 3], ['', 6]])
    expect(String(rows[2]![6])).toContain('缺少姓名')

    // 4. an invite for the branch, shown with its QR code
    await sec.openInvites(branchId)
    const code = await sec.createInvite()
    expect(code).toMatch(/^[A-Z2-9]{8}$/)
    await shot(sec.page, '06-invite-qr')

    // 5. the teacher signs up with the phone number from the roster and lands in the branch
    const teacherPage = await b.open()
    const join = new JoinPage(teacherPage)
    await join.goto(code)
    const redeemed = await join.signUpWithPhone(`新老师甲${suffix}`, p1, 'demo1234')
    expect(redeemed.status()).toBe(200)
    expect((await redeemed.json()).org_id).toBe(branchId)
    await teacherPage.locator('[data-test="home-page"]').waitFor()

    // 6. the roster and the report show them: 2 members (secretary, teacher), 1 still waiting
    await sec.openRoster(branchId)
    await expect(sec.page.locator('[data-test="roster-list"]').textContent()).resolves.toContain(`新老师甲${suffix}`)
    await expect(sec.page.locator('[data-test="roster-list"]').textContent()).resolves.toContain('孙校长')
    await sec.t(`roster-pending-86${p2}`).waitFor()
    await shot(sec.page, '07-roster')
    await sec.openReports(branchId)
    await shot(sec.page, '08-report-charts')
    // a custom period: the last 40 days up to today, in the bureau's calendar
    await sec.choosePeriod('自定义时段')
    await sec.t('report-range-form').waitFor()
    const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d)
    const from = day(new Date(Date.now() - 40 * 86_400_000))
    const to = day(new Date())
    const asked = await sec.applyRange(from, to)
    expect(asked.status()).toBe(200)
    expect(asked.request().postDataJSON()).toMatchObject({ p_org_id: branchId, p_from: from, p_to: to })
    await expect.poll(() => sec.t('report-range').textContent()).toContain(`${from} 至 ${to}`)
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

  it('a report shows an organisation and the level below it; a row opens its own report with the same numbers, Back returns; the spreadsheet has every level', { timeout: 120_000 }, async () => {
    const admin = new AdminPages(await b.signedIn('admin@demo.example'))
    interface Row { id: string, name: string, depth: number, members: number }
    // the bureau's own report: it and its schools, not the branches and groups below them
    const first = waitForRpc(admin.page, 'report_bureau')
    await admin.page.goto('/admin/reports')
    const bureauAnswer = await first
    expect(bureauAnswer.request().postDataJSON()).toMatchObject({ p_depth: 1 })
    const bureau = (await bureauAnswer.json()).orgs as Row[]
    expect(bureau.map(o => o.depth)).toEqual([0, ...bureau.slice(1).map(() => 1)])
    // what the whole subtree holds, as the API answers it to the same admin
    const c = await apiClient('admin@demo.example')
    const { data: whole } = await c.rpc('report_bureau', { p_from: bureauAnswer.request().postDataJSON().p_from, p_to: bureauAnswer.request().postDataJSON().p_to })
    expect(whole.orgs.length).toBeGreaterThan(bureau.length)
    await admin.page.locator('.van-tab', { hasText: '明细表' }).click()
    const members = admin.t('report-table-members')
    await expect.poll(() => members.locator('tbody tr').count()).toBe(bureau.length)
    await shot(admin.page, '11-report-levels')

    // a school's row opens the school's report: its row there is the one the bureau's showed
    const school = bureau.find(o => o.name === '示例县第一中学党委')!
    const opened = waitForRpc(admin.page, 'report_org')
    await members.locator(`[data-test="report-open-${school.id}"]`).click()
    const schoolAnswer = await opened
    expect(schoolAnswer.request().postDataJSON()).toMatchObject({ p_org_id: school.id, p_depth: 1 })
    const below = (await schoolAnswer.json()).orgs as Row[]
    expect(below[0]).toMatchObject({ id: school.id, depth: 0, members: school.members })
    expect(below.length).toBeGreaterThan(1)
    await expect.poll(() => admin.page.url()).toContain(`org=${school.id}`)
    const firstRow = async () => (await members.locator('tbody tr').first().locator('td').allTextContents()).slice(0, 2).map(x => x.trim())
    await expect.poll(firstRow).toEqual([school.name, String(school.members)])
    const box = await members.locator(`[data-test="report-open-${below[1]!.id}"]`).boundingBox()
    expect(box!.height).toBeGreaterThanOrEqual(44)
    await shot(admin.page, '12-report-school')

    // the phone's Back goes up again
    const back = waitForRpc(admin.page, 'report_bureau')
    await admin.page.goBack()
    await back
    await expect.poll(() => members.locator('tbody tr').count()).toBe(bureau.length)

    // the spreadsheet is the whole subtree, every level, asked for when it is exported
    const exported = waitForRpc(admin.page, 'report_bureau')
    const file = await admin.download('report-export')
    expect((await exported).request().postDataJSON()).toMatchObject({ p_depth: null })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer)
    const sheet = wb.worksheets[0]!.getSheetValues().filter(Boolean).map(r => (r as unknown[]).slice(1))
    expect(sheet.slice(1).map(r => String(r[0]).trim())).toEqual(whole.orgs.map((o: Row) => o.name))
  })

  it('a management screen shows a loading sign while it fetches, and a tap-to-retry error when that fails', { timeout: 120_000 }, async () => {
    const page = await b.signedIn('secretary1@demo.example')
    const admin = new AdminPages(page)
    // the organisations are held until the loading sign has been seen
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    await page.route('**/rest/v1/rpc/org_tree', async (route) => {
      await held
      await route.continue()
    })
    // the roster fails until the member is about to tap retry
    let failing = true
    await page.route('**/rest/v1/rpc/roster', async (route) => {
      if (failing)
        await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'PGRST000', message: 'unavailable', details: null, hint: null }) })
      else
        await route.continue()
    })
    await page.goto('/admin/roster')
    await page.locator('[data-test="loading"][role="status"]').waitFor()
    await shot(page, '11-loading')
    release()
    const alert = page.locator('[data-test="load-error"][role="alert"]')
    await alert.waitFor()
    await shot(page, '12-load-error')
    failing = false
    const answered = waitForRpc(page, 'roster')
    await admin.t('load-retry').click()
    expect((await answered).status()).toBe(200)
    await admin.t('roster-list').waitFor()
    await expect(alert.count()).resolves.toBe(0)
  })

  it('a list\'s next page that failed loads when its error row is tapped (the audit log)', { timeout: 120_000 }, async () => {
    // more than one page (30) of the bureau's audit log: each invite made is audited
    const admin = await apiClient('admin@demo.example')
    for (let i = 0; i < 31; i++) {
      const { error } = await admin.rpc('invite_create', { p_id: randomUUID(), p_org_id: '00000000-0000-4000-8000-000000000001', p_expires_at: new Date(Date.now() + 86400_000).toISOString(), p_max_uses: 1, p_role: 'member' })
      if (error)
        throw error
    }
    const page = await b.signedIn('admin@demo.example')
    let failing = true
    await page.route('**/rest/v1/rpc/audit_log', async (route) => {
      const next = (route.request().postDataJSON() as { p_before: number | null }).p_before !== null
      if (next && failing)
        await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'PGRST000', message: 'unavailable', details: null, hint: null }) })
      else
        await route.continue()
    })
    await page.goto('/admin/audit')
    const entries = page.locator('[data-test^="audit-entry-"]')
    await entries.first().waitFor()
    expect(await entries.count()).toBe(30)
    await entries.last().scrollIntoViewIfNeeded()
    const retry = page.locator('.van-list__error-text')
    await retry.waitFor()
    failing = false
    const answered = waitForRpc(page, 'audit_log')
    await retry.click()
    expect((await answered).status()).toBe(200)
    await expect.poll(() => entries.count()).toBeGreaterThan(30)
    await expect(retry.count()).resolves.toBe(0)
  })
})
