import { describe, expect, it } from 'vitest'
import { Shell } from './pages/Shell'
import { signInAs, useBrowser } from './support'

const b = useBrowser()

describe('settings', () => {
  it('English can be chosen in 我的: the frame, the areas opened next and Vant speak it, after a reload too; and back to 中文', async () => {
    const page = await b.open()
    await signInAs(page, 'teacher1@demo.example')
    const shell = new Shell(page)
    await shell.tab('me').click()
    await shell.me.waitFor()

    await page.locator('[data-test="me-language"]').click()
    await page.locator('[data-test="me-language-sheet"]').getByText('English').click()
    await expect.poll(() => shell.tab('readings').textContent()).toContain('Study')
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    expect(await page.locator('[data-test="me-page"]').textContent()).toContain('Sign out')

    // an area not opened before: its English strings load as it is entered
    await shell.tab('readings').click()
    const plans = page.locator('[data-test="readings-page"]')
    await expect.poll(() => plans.textContent()).toMatch(/due \d{4}-\d{2}-\d{2}/)
    expect(await page.title()).toContain('Learning Party Organisation')

    // dates are written the English way too (sessions: "Nov 26, 15:00", not "11月26日 15:00")
    await shell.tab('sessions').click()
    const card = page.locator('[data-test="session-card"]').first()
    await card.waitFor()
    expect(await card.textContent()).toMatch(/[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}/)
    expect(await card.textContent()).not.toMatch(/\d月\d/)
    await shell.tab('readings').click()
    await expect.poll(() => plans.textContent()).toMatch(/due \d{4}-\d{2}-\d{2}/)

    // kept on this phone across a reload; Vant's own texts follow (the sign-out confirmation)
    await page.reload()
    await expect.poll(() => plans.textContent()).toMatch(/due \d{4}-\d{2}-\d{2}/)
    await shell.tab('me').click()
    await page.locator('[data-test="sign-out"]').click()
    expect(await page.locator('.van-dialog').textContent()).toContain('Sign out')
    await page.locator('.van-dialog__cancel').click()

    await page.locator('[data-test="me-language"]').click()
    await page.locator('[data-test="me-language-sheet"]').getByText('简体中文').click()
    await expect.poll(() => shell.tab('readings').textContent()).toContain('学习')
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN')
  })
})
