import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { JoinPage } from './pages/JoinPage'
import { Readings } from './pages/Readings'
import { Shell } from './pages/Shell'
import { apiClient, DEMO_INVITE, signInAs, uniqueEmail, useBrowser, waitForRpc } from './support'

const b = useBrowser()
const countyPlan = '00000000-0000-4000-9300-000000000001'

describe('readings', () => {
  it('a teacher reads and ticks, ticks and writes a note offline; the secretary sees it all and exports it', async () => {
    const page = await b.open()
    const teacherContext = b.state.context
    const name = `阅读测试${Date.now().toString(36).slice(-4)}`
    const join = new JoinPage(page)
    await join.goto(DEMO_INVITE)
    await join.preview.waitFor()
    await join.signUp(name, uniqueEmail('readings'), 'secret-123')
    const shell = new Shell(page)
    await shell.home.waitFor()
    await shell.controlledByServiceWorker()

    // online: open the plan, a reading, read a section in the reader and mark it read
    const r = new Readings(page)
    await r.gotoPlans()
    await r.openPlan(countyPlan)
    await r.openReading(1)
    await r.openSection(2)
    expect(await r.readerText.textContent()).toContain('掀起学习党的基本理论知识新热潮')
    const ticked = waitForRpc(page, 'section_tick')
    await r.markRead.click()
    expect((await ticked).status()).toBe(200)
    await r.readDone.waitFor()

    // offline: two more ticks and a shared note go to the outbox
    await page.locator('[data-test="nav-back"]').click()
    await r.section(3).waitFor()
    await teacherContext.setOffline(true)
    await r.tickBox(3).click()
    await r.tickBox(4).click()
    const note = `离线写的学习心得：${name}`
    await r.writeNote(note, true)
    // the badge counts up as each write reaches the phone's outbox: wait for all three
    await page.waitForFunction(() => /3/.test(document.querySelector('[data-test="outbox-pending"]')?.textContent ?? ''))
    expect(await r.pending.textContent()).toContain('3')
    // the texts of what was opened stay readable offline, from the phone's copy
    await r.openSection(5)
    await r.offlineCopy.waitFor()
    expect(await r.readerText.textContent()).toContain('以城带乡')

    // back online: the outbox sends everything
    const noteSent = waitForRpc(page, 'note_save')
    await teacherContext.setOffline(false)
    expect((await noteSent).status()).toBe(200)
    await r.pending.waitFor({ state: 'detached' })

    // the secretary's progress view shows the three ticks and the shared note
    const sec = await b.open()
    await signInAs(sec, 'secretary1@demo.example')
    const sr = new Readings(sec)
    expect((await sr.gotoProgress(countyPlan)).status()).toBe(200)
    const row = sr.progressRow(name)
    await row.waitFor()
    expect(await row.locator('[data-test="progress-done"]').textContent()).toMatch(/^\s*3\/\d+\s*$/)
    expect(await sec.locator('[data-test="progress-notes"]').textContent()).toContain(note)

    // export: an .xlsx with Chinese headers and the teacher's row
    const download = sec.waitForEvent('download')
    await sec.locator('[data-test="progress-export"]').click()
    const file = await (await download).path()
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await readFile(file) as unknown as ArrayBuffer)
    const ws = wb.worksheets[0]!
    const header = (ws.getRow(1).values as unknown[]).slice(1)
    expect(header.slice(0, 2)).toEqual(['姓名', '所在组织'])
    expect(header).toContain('已读节数')
    expect(header).toContain('完成率')
    const rows: unknown[][] = []
    ws.eachRow((row, i) => {
      if (i > 1)
        rows.push((row.values as unknown[]).slice(1))
    })
    const mine = rows.find(x => x[0] === name)!
    expect(mine).toBeTruthy()
    expect(mine[header.indexOf('已读节数')]).toBe(3)
    expect(mine[2]).toBe(3) // all three ticks are in 2012年党建工作要点, the plan's first reading
    expect(rows.map(x => x[0])).toContain('张老师（示例）')

    // signing out takes the teacher's offline copies off the phone (a shared phone: the next
    // member must not read someone else's plans, ticks or notes)
    const copies = () => page.evaluate(() => new Promise<number>((resolve, reject) => {
      const open = indexedDB.open('xxdzz-readings')
      open.onerror = () => reject(open.error)
      open.onsuccess = () => {
        const count = open.result.transaction('responses').objectStore('responses').count()
        count.onsuccess = () => {
          open.result.close()
          resolve(count.result)
        }
      }
    }))
    expect(await copies()).toBeGreaterThan(0)
    await page.goto('/me')
    await page.locator('[data-test="sign-out"]').click()
    await page.locator('.van-dialog__confirm').click()
    await page.waitForURL(/\/login/)
    await expect.poll(copies).toBe(0)
  })

  it('the admin assigns one plan to two branches and follows each in the progress view', async () => {
    const page = await b.open()
    await signInAs(page, 'admin@demo.example')
    await page.goto('/readings/plans/new')
    await page.locator('[data-test="plan-form"]').waitFor()
    await page.locator('[data-test="plan-title"] input').fill('两个支部的共同学习')
    // the highest organisation is ticked first: untick it, tick two branches of different schools
    await page.locator('[data-test^="plan-org-"]').first().click()
    await page.locator('[data-test="plan-org-示例一中第一党支部"]').click()
    await page.locator('[data-test="plan-org-示例实验小学教师党支部"]').click()
    expect(await page.locator('[data-test="plan-hint"]').textContent()).toContain('“示例一中第一党支部”、“示例实验小学教师党支部”')
    await page.locator('[data-test="plan-pick-2012年党建工作要点"]').click()
    const created = waitForRpc(page, 'plan_create')
    await page.locator('[data-test="plan-submit"]').click()
    expect((await created).status()).toBe(200)
    await page.waitForURL(/\/readings\/plans\/[0-9a-f-]{36}$/)
    const planId = page.url().split('/').pop()!
    await expect.poll(() => page.locator('body').textContent()).toContain('示例一中第一党支部、示例实验小学教师党支部')

    const r = new Readings(page)
    expect((await r.gotoProgress(planId)).status()).toBe(200)
    const orgs = page.locator('[data-test="progress-orgs"]')
    await orgs.waitFor()
    expect(await orgs.locator('button').count()).toBe(2)
    const switched = waitForRpc(page, 'plan_progress')
    await page.locator('[data-test="progress-org-示例实验小学教师党支部"]').click()
    const body = await (await switched).json()
    expect(body.org.name).toBe('示例实验小学教师党支部')
    await expect.poll(() => page.locator('[data-test="progress-view"]').textContent()).toContain('示例实验小学教师党支部')
  })

  it('a section text with HTML, images and script links is shown sanitised, loading nothing from elsewhere', async () => {
    const secretary = await apiClient('secretary1@demo.example')
    const id = crypto.randomUUID()
    const { error } = await secretary.rpc('reading_create', {
      p_id: id,
      p_org_id: '00000000-0000-4000-8000-000000000011',
      p_title: '净化测试',
      p_sections: [{ title: '第一节', body_md: '## 小标题\n\n<script>window.__x = 1</script>\n\n<img src="https://cdn.example.com/x.png" onerror="window.__x = 2">\n\n![图](https://cdn.example.com/y.png)\n\n[坏链接](javascript:window.__x=3)\n\n**正文**' }],
    })
    expect(error).toBeNull()
    const page = await b.open()
    const elsewhere: string[] = []
    page.on('request', (req) => {
      const u = new URL(req.url())
      if (!['127.0.0.1', 'localhost'].includes(u.hostname))
        elsewhere.push(req.url())
    })
    await signInAs(page, 'teacher1@demo.example')
    const r = new Readings(page)
    const detail = waitForRpc(page, 'reading_detail')
    await page.goto(`/readings/${id}`)
    await detail
    await r.openSection(1)
    const text = r.readerText
    expect(await text.locator('h2').textContent()).toBe('小标题')
    expect(await text.locator('strong').textContent()).toBe('正文')
    expect(await text.locator('script, img, iframe, [onerror]').count()).toBe(0)
    expect(await text.locator('a[href^="javascript"]').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined()
    expect(elsewhere).toEqual([])
  })
})
