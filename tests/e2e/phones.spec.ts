import { describe, expect, it } from 'vitest'
import { shots, signInAs, useBrowser } from './support'

const b = useBrowser()
const shot = shots('phones')

/** The main screens, each with something that shows its content has arrived. */
const SCREENS = [
  ['/', '[data-test="home-next-session"], [data-test="home-page"] .van-cell'],
  ['/readings', '[data-test="plan-card"], [data-test="plan-list"] .van-cell, [data-test="plan-list"] a'],
  ['/topics', '[data-test="topic-item"]'],
  ['/sessions', '[data-test="session-card"]'],
  ['/me', '[data-test="me-version"]'],
] as const

/** Relative luminance of a computed `rgb(…)` colour (WCAG). */
function luminance(rgb: string): number {
  const [r, g, b2] = (rgb.match(/\d+(?:\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((c) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b2!
}

describe('small and dark phones', () => {
  it('at 320 px wide nothing on the main screens runs off the side', async () => {
    const page = await b.open()
    await page.setViewportSize({ width: 320, height: 640 })
    await signInAs(page, 'teacher1@demo.example')
    for (const [path, ready] of SCREENS) {
      await page.goto(path)
      await page.locator(ready).first().waitFor()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow, `${path} is wider than the screen`).toBeLessThanOrEqual(0)
      await shot(page, `320${path.replace(/\//g, '-')}`)
    }
  })

  it('with the system text size at 200% the main screens still fit: nothing runs off the side, the bars keep their labels inside', async () => {
    // Chrome on Android scales text by zooming the page: at 200% a 390-px phone lays out 195 CSS px
    const page = await b.open()
    await page.setViewportSize({ width: 195, height: 422 })
    await signInAs(page, 'teacher1@demo.example')
    for (const [path, ready] of SCREENS) {
      await page.goto(path)
      await page.locator(ready).first().waitFor()
      const fit = await page.evaluate(() => {
        const inside = (el: Element | null, box: DOMRect) => {
          if (!el)
            return true
          const r = el.getBoundingClientRect()
          return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.right <= box.right + 1
        }
        const tabbar = document.querySelector('[data-test="tabbar"]')!.getBoundingClientRect()
        const nav = document.querySelector('[data-test="nav-bar"]')!.getBoundingClientRect()
        return {
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          tabLabels: [...document.querySelectorAll('[data-test="tabbar"] .app-tabbar__text')].every(el => inside(el, tabbar)),
          navTitle: inside(document.querySelector('[data-test="nav-bar"] .app-nav-bar__title'), nav),
        }
      })
      expect(fit, path).toEqual({ overflow: 0, tabLabels: true, navTitle: true })
      await shot(page, `text200${path.replace(/\//g, '-')}`)
    }
  })

  it('follows the system\'s dark mode, also when it changes while the app is open', async () => {
    const page = await b.open()
    await signInAs(page, 'teacher1@demo.example')
    await page.locator('[data-test="home-page"] .van-cell').first().waitFor()
    const colours = () => page.evaluate(() => ({
      page: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.querySelector('[data-test="home-page"] .van-cell__title')!).color,
      card: getComputedStyle(document.querySelector('[data-test="home-page"] .van-cell')!).backgroundColor,
    }))
    const light = await colours()
    expect(luminance(light.page)).toBeGreaterThan(0.8)

    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(async () => luminance((await colours()).page)).toBeLessThan(0.05)
    const dark = await colours()
    expect(luminance(dark.card)).toBeLessThan(0.05)
    // text stays readable: WCAG contrast of the card text on the card at least 4.5:1
    const [hi, lo] = [luminance(dark.text), luminance(dark.card)].sort((x, y) => y - x)
    expect((hi! + 0.05) / (lo! + 0.05)).toBeGreaterThanOrEqual(4.5)
    // a plan's empty progress track stays dark (a light track on black reads as a full bar)
    const track = await page.locator('[data-test="home-page"] .van-progress').first().evaluate(el => getComputedStyle(el).backgroundColor)
    expect(luminance(track)).toBeLessThan(0.1)
    await shot(page, 'dark-home')

    await page.emulateMedia({ colorScheme: 'light' })
    await expect.poll(async () => luminance((await colours()).page)).toBeGreaterThan(0.8)
  })
})
