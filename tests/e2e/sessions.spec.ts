// The check-in journey in a real Chromium: the organiser's code screen, a member typing the code,
// the count rising live, a member checking in offline and appearing once back online, and the
// exported .xlsx with the right statuses.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { AdminPages } from './pages/AdminPages'
import { LoginPage } from './pages/LoginPage'
import { SessionPages } from './pages/SessionPages'
import { apiClient, bureauInputTime, fromBureauInputTime, newSession, shots, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const shot = shots('sessions')

describe('sessions', () => {
  it('the rates show an organisation and the level below it; a row opens with the same numbers, down to a branch\'s members; Back returns; the export has everyone', { timeout: 120_000 }, async () => {
    const admin = new AdminPages(await b.signedIn('admin@demo.example'))
    interface Row { org_id: string, name: string, level: number, expected: number, present: number, late: number, excused: number, absent: number }
    const first = waitForRpc(admin.page, 'attendance_summary')
    await admin.page.goto('/sessions/rates')
    const bureauAnswer = await first
    const asked = bureauAnswer.request().postDataJSON()
    expect(asked).toMatchObject({ p_depth: 1 })
    const bureau = await bureauAnswer.json()
    expect((bureau.orgs as Row[]).map(o => o.level)).toEqual([0, ...bureau.orgs.slice(1).map(() => 1)])
    // the bureau's row is the whole subtree's total: every member counted once, as the API's
    // whole summary (each organisation its own members) adds up
    const c = await apiClient('admin@demo.example')
    const { data: whole } = await c.rpc('attendance_summary', { p_org_id: asked.p_org_id, p_from: asked.p_from, p_to: asked.p_to, p_limit: 500 })
    expect(bureau.orgs[0].expected).toBeGreaterThan(0)
    expect(bureau.orgs[0].expected).toBe((whole.orgs as Row[]).reduce((n, o) => n + o.expected, 0))
    expect(bureau.orgs[0].absent).toBe((whole.orgs as Row[]).reduce((n, o) => n + o.absent, 0))
    const school = (bureau.orgs as Row[]).find(o => o.name === '示例县第一中学党委')!
    const schoolRow = admin.t(`rate-open-${school.org_id}`)
    expect((await schoolRow.boundingBox())!.height).toBeGreaterThanOrEqual(44)
    await admin.t('rates-open-hint').waitFor()
    await shot(admin.page, '19-rates-levels')

    // the school's row opens the school: its own row there has the numbers the bureau's showed
    const opened = waitForRpc(admin.page, 'attendance_summary')
    await schoolRow.click()
    const schoolAnswer = await opened
    expect(schoolAnswer.request().postDataJSON()).toMatchObject({ p_org_id: school.org_id, p_depth: 1 })
    const below = (await schoolAnswer.json()).orgs as Row[]
    expect({ ...below[0], level: 1 }).toEqual(school)
    await expect.poll(() => admin.page.url()).toContain(`org=${school.org_id}`)
    expect(await admin.t('rates-org').inputValue()).toBe(school.org_id)

    // and a branch below it lists its members, whose expected sessions add up to its row
    const branch = below.find(o => o.level === 1)!
    const branchOpened = waitForRpc(admin.page, 'attendance_summary')
    await admin.t(`rate-open-${branch.org_id}`).click()
    const branchView = await (await branchOpened).json()
    expect(branchView.member_count).toBeGreaterThan(0)
    expect((branchView.members as Row[]).reduce((n, m) => n + m.expected, 0)).toBe(branch.expected)
    await expect.poll(() => admin.t('rates-members').locator('[data-test="rate-row"]').count()).toBe(branchView.members.length)
    await shot(admin.page, '19b-rates-branch')

    // the phone's Back goes up again, one level at a time
    await admin.page.goBack()
    await expect.poll(() => admin.page.url()).toContain(`org=${school.org_id}`)
    await admin.t(`rate-open-${branch.org_id}`).waitFor()
    await admin.page.goBack()
    await schoolRow.waitFor()

    // the export has every organisation and every member of the subtree, asked for when it is exported
    const exported = waitForRpc(admin.page, 'attendance_summary')
    const file = await admin.download('rates-export')
    expect((await exported).request().postDataJSON()).toMatchObject({ p_depth: null })
    const { default: ExcelJS } = await import('exceljs')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer)
    const names = (sheet: string) => wb.getWorksheet(sheet)!.getSheetValues().filter(Boolean).slice(1).map(r => String((r as unknown[])[1] ?? '')).filter(n => n && !n.startsWith('出勤率'))
    expect(names('按组织')).toEqual((whole.orgs as Row[]).map(o => o.name))
    expect(names('按党员')).toHaveLength(whole.member_count)
  })

  it('organiser shows the code; members check in online and offline; the count rises live; the sheet exports', { timeout: 180_000 }, async () => {
    const id = await newSession(new Date(Date.now() + 10 * 60_000)) // check-in open now
    const organiser = new SessionPages(await b.signedIn('secretary1@demo.example'))
    await organiser.openCode(id)
    await expect.poll(() => organiser.count('present').textContent()).toBe('0')
    await shot(organiser.page, '01-code-screen')

    // a member in a second context types the code
    const member = new SessionPages(await b.signedIn('teacher1@demo.example'))
    await member.openDetail(id)
    await shot(member.page, '02-detail-before')
    const res = await member.typeCode(await organiser.shownCode())
    expect(res.status()).toBe(200)
    await member.done.waitFor()
    await shot(member.page, '03-detail-checked-in')
    await expect.poll(() => organiser.count('present').textContent(), { timeout: 10_000 }).toBe('1')

    // a third member goes offline, checks in, comes back online
    const offline = new SessionPages(await b.signedIn('teacher2@demo.example'))
    await offline.openDetail(id)
    const code = await organiser.shownCode()
    await offline.page.context().setOffline(true)
    await offline.codeInput.fill(code)
    await offline.submit.click()
    await offline.pending.waitFor()
    await shot(offline.page, '04-detail-pending')
    const sent = offline.page.waitForResponse(r => r.url().includes('/rest/v1/rpc/session_check_in'))
    await offline.page.context().setOffline(false)
    expect((await sent).status()).toBe(200)
    await offline.done.waitFor({ timeout: 15_000 })
    await expect.poll(() => organiser.count('present').textContent(), { timeout: 10_000 }).toBe('2')

    // the sheet lists both, and the exported .xlsx says so
    await organiser.openSheet(id)
    await expect.poll(() => organiser.sheetRow('陈老师（示例）').locator('[data-test="sheet-name"].status-present').count()).toBe(1)
    await shot(organiser.page, '05-sheet')
    const download = organiser.page.waitForEvent('download')
    await organiser.page.locator('[data-test="sheet-export"]').click()
    const file = await (await download).path()
    const { default: ExcelJS } = await import('exceljs')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(file!)
    const ws = wb.getWorksheet('签到表')!
    const rows = new Map<string, string>()
    ws.eachRow((row, n) => {
      if (n > 1)
        rows.set(String(row.getCell(1).value), String(row.getCell(3).value))
    })
    expect(ws.getRow(1).getCell(3).value).toBe('状态')
    expect(rows.get('张老师（示例）')).toBe('已签到')
    expect(rows.get('陈老师（示例）')).toBe('已签到')
    expect(rows.get('王书记（示例）')).toBe('待签到')
  })

  it('the sheet\'s actions work: approve, decline, mark present, mark late change the row and counts for the organiser and the member', { timeout: 180_000 }, async () => {
    const id = await newSession(new Date(Date.now() + 10 * 60_000)) // check-in open now
    // two members ask for leave before the start
    for (const login of ['teacher1@demo.example', 'teacher2@demo.example']) {
      const { error } = await (await apiClient(login)).rpc('leave_request', { p_id: randomUUID(), p_session_id: id, p_reason: '外出培训' })
      if (error)
        throw error
    }
    const organiser = new SessionPages(await b.signedIn('secretary1@demo.example'))
    await organiser.openSheet(id)
    expect(await organiser.rowStatus('陈老师（示例）')).toBe('pending')
    expect(await organiser.rowStatus('张老师（示例）')).toBe('pending')
    expect(await organiser.count('excused').textContent()).toBe('0')
    await expect.poll(() => organiser.page.locator('[data-test="sheet-rule"]').textContent()).toMatch(/以后签到记为迟到/)

    // 批准请假: 陈老师 is excused, and counted so
    expect((await organiser.act('陈老师（示例）', '批准请假', 'leave_decide')).status()).toBe(200)
    await expect.poll(() => organiser.rowStatus('陈老师（示例）')).toBe('excused')
    await expect.poll(() => organiser.count('excused').textContent()).toBe('1')
    await shot(organiser.page, '06-sheet-approved')

    // 不批准: 张老师 is expected again, the row says the leave was declined
    expect((await organiser.act('张老师（示例）', '不批准', 'leave_decide')).status()).toBe(200)
    await expect.poll(() => organiser.rowStatus('张老师（示例）')).toBe('expected')
    await expect.poll(() => organiser.sheetRow('张老师（示例）').textContent()).toContain('请假未批准')

    // 补签为出席 with a reason: present, and counted
    expect((await organiser.act('张老师（示例）', '补签为出席', 'attendance_mark', '手机没电，现场确认')).status()).toBe(200)
    await expect.poll(() => organiser.rowStatus('张老师（示例）')).toBe('present')
    await expect.poll(() => organiser.count('present').textContent()).toBe('1')
    await expect.poll(() => organiser.sheetRow('张老师（示例）').textContent()).toContain('手机没电，现场确认')

    // 补签为迟到: the organiser marks themself late
    expect((await organiser.act('王书记（示例）', '补签为迟到', 'attendance_mark', '迟到十分钟')).status()).toBe(200)
    await expect.poll(() => organiser.rowStatus('王书记（示例）')).toBe('late')
    await expect.poll(() => organiser.count('late').textContent()).toBe('1')
    // and a late mark can be corrected to present
    expect((await organiser.act('王书记（示例）', '补签为出席', 'attendance_mark', '核实后按时到场')).status()).toBe(200)
    await expect.poll(() => organiser.count('present').textContent()).toBe('2')
    expect(await organiser.count('late').textContent()).toBe('0')
    await organiser.page.locator('.van-toast').waitFor({ state: 'hidden' })
    await shot(organiser.page, '07-sheet-after-actions')

    // each member sees it on their own session page
    const t2 = new SessionPages(await b.signedIn('teacher2@demo.example'))
    await t2.openDetail(id)
    expect(await t2.myStatus()).toBe('excused')
    await expect.poll(() => t2.page.locator('[data-test="leave-status"]').textContent()).toContain('请假已批准')
    const t1 = new SessionPages(await b.signedIn('teacher1@demo.example'))
    await t1.openDetail(id)
    expect(await t1.myStatus()).toBe('present')
    await t1.done.waitFor()
    await shot(t1.page, '08-member-marked-present')
  })

  it('the grace period set in the form decides 已签到 or 迟到, for the member and on the sheet and record', { timeout: 180_000 }, async () => {
    const organiser = new SessionPages(await b.signedIn('secretary1@demo.example'))
    // Two sessions made in the form, both started two to three minutes ago (the start is placed
    // in the past rather than the test waiting for the clock): a check-in now is inside a grace
    // of 5 minutes and after a grace of 1.
    const make = async (title: string, grace: string) => {
      await organiser.page.goto('/sessions/new')
      await organiser.page.locator('[data-test="session-form"]').waitFor()
      const start = bureauInputTime(Date.now() - 2 * 60_000)
      await organiser.page.locator('[data-test="form-title"] input').fill(title)
      await organiser.page.locator('[data-test="form-starts"] input').fill(start)
      await organiser.page.locator('[data-test="form-late-after"] input').fill(grace)
      const saved = waitForRpc(organiser.page, 'session_save')
      await organiser.page.locator('[data-test="form-save"]').click()
      expect((await saved).status()).toBe(200)
      await organiser.page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/)
      await organiser.detail.waitFor()
      return { id: new URL(organiser.page.url()).pathname.split('/').pop()!, start }
    }
    const inside = await make('宽限内签到（E2E）', '5')
    const after = await make('宽限后签到（E2E）', '1')

    const member = new SessionPages(await b.signedIn('teacher1@demo.example'))
    for (const [s, grace, status, word] of [[inside, 5, 'present', '已签到'], [after, 1, 'late', '迟到']] as const) {
      await organiser.openCode(s.id)
      await member.openDetail(s.id)
      // the member reads the rule before checking in
      expect(await member.page.locator('[data-test="session-late-rule"]').textContent()).toContain(`开始 ${grace} 分钟后签到记为迟到`)
      expect((await member.typeCode(await organiser.shownCode())).status()).toBe(200)
      await member.done.waitFor()
      expect(await member.done.textContent()).toContain(word)
      await expect.poll(() => member.myStatus()).toBe(status)
      await shot(member.page, `20-member-${status}`)

      // the organiser's sheet: the row, the count and the rule it was judged by
      await organiser.openSheet(s.id)
      await expect.poll(() => organiser.rowStatus('张老师（示例）')).toBe(status)
      expect(await organiser.count(status).textContent()).toBe('1')
      expect(await organiser.count(status === 'late' ? 'present' : 'late').textContent()).toBe('0')
      // the start as typed (Asia/Shanghai), plus the grace
      const late = bureauInputTime(fromBureauInputTime(s.start) + grace * 60_000).slice(11)
      expect(await organiser.page.locator('[data-test="sheet-rule"]').textContent()).toContain(`${late} 以后签到记为迟到`)
      await shot(organiser.page, `21-sheet-${status}`)

      // and the printed record
      await organiser.page.goto(`/sessions/${s.id}/print`)
      await organiser.page.locator('[data-test="print-record"]').waitFor()
      expect(await organiser.page.locator('[data-test="print-rule"]').textContent()).toBe(`${s.start.slice(11)} 开始，${late} 以后签到记为迟到`)
      const line = organiser.page.locator('[data-test="print-record"] tr', { has: organiser.page.locator('th', { hasText: new RegExp(`^${word}$`) }) })
      expect(await line.locator('td').textContent()).toContain('张老师（示例）')
    }
  })

  it('on a phone set to New York, times are shown and typed in Shanghai time: 14:00 typed is 14:00 +08', { timeout: 120_000 }, async () => {
    const page = await b.open(undefined, { timezoneId: 'America/New_York' })
    const login = new LoginPage(page)
    await login.goto()
    await login.signIn('secretary1@demo.example', 'demo1234')
    await page.locator('[data-test="home-page"]').waitFor()
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York')
    const organiser = new SessionPages(page)
    const api = await apiClient('secretary1@demo.example')
    const shanghai = (iso: string) => bureauInputTime(Date.parse(iso))
    const shown = (start: string, end: string) => {
      const [y, m, d] = shanghai(start).slice(0, 10).split('-').map(Number)
      return `${y}年${m}月${d}日 ${shanghai(start).slice(11)}–${shanghai(end).slice(11)}`
    }

    // a seeded session, as the county's clock shows it
    const seeded = '00000000-0000-4000-d000-000000000005'
    const { data: past } = await api.rpc('session_detail', { p_session_id: seeded })
    await organiser.openDetail(seeded)
    expect(await page.locator('[data-test="session-info"]').textContent()).toContain(shown(past.starts_at, past.ends_at))

    // a new one: the form offers tomorrow 15:00 in Shanghai; 14:00 typed is stored as 14:00 +08
    const tomorrow = bureauInputTime(Date.now() + 86_400_000).slice(0, 10)
    await page.goto('/sessions/new')
    await page.locator('[data-test="session-form"]').waitFor()
    expect(await page.locator('[data-test="form-starts"] input').inputValue()).toBe(`${tomorrow}T15:00`)
    await page.locator('[data-test="form-title"] input').fill('纽约时区的手机（E2E）')
    await page.locator('[data-test="form-starts"] input').fill(`${tomorrow}T14:00`)
    const saved = waitForRpc(page, 'session_save')
    await page.locator('[data-test="form-save"]').click()
    expect((await saved).status()).toBe(200)
    await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/)
    await organiser.detail.waitFor()
    const id = new URL(page.url()).pathname.split('/').pop()!
    try {
      const { data: made } = await api.rpc('session_detail', { p_session_id: id })
      expect(new Date(made.starts_at).toISOString()).toBe(new Date(`${tomorrow}T14:00:00+08:00`).toISOString())
      expect(new Date(made.checkin_opens_at).toISOString()).toBe(new Date(`${tomorrow}T13:30:00+08:00`).toISOString())
      expect(await page.locator('[data-test="session-info"]').textContent()).toContain(shown(made.starts_at, made.ends_at))
      expect(shown(made.starts_at, made.ends_at)).toContain(' 14:00–15:00')
      await organiser.settled()
      await shot(page, '30-new-york-phone-detail')
      // and the form shows it back as typed
      await page.goto(`/sessions/${id}/edit`)
      await expect.poll(() => page.locator('[data-test="form-starts"] input').inputValue()).toBe(`${tomorrow}T14:00`)
    }
    finally {
      await api.rpc('session_cancel', { p_session_id: id })
    }
  })

  it('opening the QR link signed out signs in first and then checks in', { timeout: 90_000 }, async () => {
    const id = await newSession(new Date(Date.now() + 10 * 60_000)) // check-in open now
    const organiser = new SessionPages(await b.signedIn('secretary1@demo.example'))
    await organiser.openCode(id)
    const code = await organiser.shownCode()
    const page = await b.open()
    await page.goto(`/sessions/${id}/checkin?code=${code}`)
    const login = new LoginPage(page)
    await login.form.waitFor()
    await login.signIn('teacher1@demo.example', 'demo1234')
    await new SessionPages(page).done.waitFor({ timeout: 15_000 })
    expect(new URL(page.url()).pathname).toBe(`/sessions/${id}/checkin`)
  })

  it('screens look right on a phone (screenshots with E2E_SHOTS=1)', { timeout: 90_000 }, async () => {
    const page = await b.signedIn('secretary1@demo.example')
    const go = async (path: string, sel: string, name: string) => {
      await page.goto(path)
      await page.locator(sel).first().waitFor()
      await new SessionPages(page).settled()
      await shot(page, name)
    }
    await go('/sessions', '[data-test="session-card"]', '10-list')
    await go('/sessions/00000000-0000-4000-d000-000000000005', '[data-test="session-info"]', '11-past-detail')
    await go('/sessions/00000000-0000-4000-d000-000000000005/print', '[data-test="print-record"]', '12-print')
    // the record states the late rule its statuses were judged by
    expect(await page.locator('[data-test="print-rule"]').textContent()).toMatch(/^\d\d:\d\d 开始，\d\d:\d\d 以后签到记为迟到$/)
    // on paper: only the record, from the top of the page (no bars, no room kept for them)
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('[data-test="nav-bar"]').isVisible()).toBe(false)
    expect(await page.locator('[data-test="tabbar"]').isVisible()).toBe(false)
    expect(await page.locator('.tab-layout').evaluate(el => getComputedStyle(el).paddingTop)).toBe('0px')
    await page.emulateMedia({ media: 'screen' })
    await go('/sessions/00000000-0000-4000-d000-000000000005/minutes', '[data-test="minutes-topic"]', '13-minutes')
    await go('/sessions/new', '[data-test="session-form"]', '14-new')
    // named invitees from another organisation and the session's readings, as removable tags
    await page.locator('[data-test="invitee-search"] input').fill('孙')
    await page.locator('[data-test="invitee-option"]', { hasText: '孙校长' }).click()
    await page.locator('[data-test="reading-add"]').click()
    await page.locator('.reading-option', { hasText: '邓小平理论' }).click()
    await expect.poll(() => page.locator('[data-test="invitee-tag"]').count()).toBe(1)
    await expect.poll(() => page.locator('[data-test="reading-tag"]').count()).toBe(1)
    await page.locator('[data-test="form-invitees"]').scrollIntoViewIfNeeded()
    await new SessionPages(page).settled()
    await shot(page, '14b-new-invitees-readings')
    // the grace period, with the check-in window
    await page.locator('[data-test="form-late-after"]').scrollIntoViewIfNeeded()
    expect(await page.locator('[data-test="form-late-after"] input').inputValue()).toBe('5')
    await new SessionPages(page).settled()
    await shot(page, '14c-new-grace')
    await go('/sessions/rates', '[data-test="rate-row"]', '15-rates')
    const teacher = await b.signedIn('teacher2@demo.example')
    // the make-up list (补学) on the 签到 tab shows the past session teacher2 missed
    await teacher.goto('/sessions')
    await teacher.locator('[data-test="sessions-tabs"] .van-tab', { hasText: '补学' }).click()
    await teacher.locator('[data-test="makeup-item"]', { hasText: '形势任务教育' }).first().waitFor()
    await new SessionPages(teacher).settled()
    await shot(teacher, '18-makeup-list')
    await teacher.goto('/sessions/00000000-0000-4000-d000-000000000005')
    await teacher.locator('[data-test="makeup-complete"]').waitFor()
    await shot(teacher, '16-makeup')
    await teacher.goto('/')
    await teacher.locator('[data-test="home-page"]').waitFor()
    await new SessionPages(teacher).settled()
    await shot(teacher, '17-home')
    expect(true).toBe(true)
  })
})
