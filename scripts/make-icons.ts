// Renders the app icon (an SVG) to the PNGs the manifest and iOS need, with Chromium.
// Run: npx tsx scripts/make-icons.ts  (output in public/icons, committed)
import { mkdirSync, writeFileSync } from 'node:fs'
import { chromium } from 'playwright-core'

/** A gold star over an open book on Party red. `pad` shrinks the art into the maskable safe zone. */
function svg(rounded: boolean, pad: number) {
  const s = 1 - pad * 2
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" rx="${rounded ? 104 : 0}" fill="#c8161e"/>
  <g transform="translate(${256 * pad * 2} ${256 * pad * 2}) scale(${s})">
    <path fill="#ffd84d" d="M256 70l30 92h97l-78 57 30 92-79-57-79 57 30-92-78-57h97z"/>
    <path fill="#fff" d="M96 330c56-22 112-24 152 4v112c-40-26-96-26-152-4z"/>
    <path fill="#fff" d="M416 330c-56-22-112-24-152 4v112c40-26 96-26 152-4z"/>
  </g>
</svg>`
}

const out = new URL('../public/icons/', import.meta.url)
mkdirSync(out, { recursive: true })
writeFileSync(new URL('../favicon.svg', out), svg(true, 0))

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
const page = await browser.newPage()
const targets: [string, number, boolean, number][] = [
  ['icon-192.png', 192, true, 0],
  ['icon-512.png', 512, true, 0],
  ['icon-maskable-512.png', 512, false, 0.1],
  ['apple-touch-icon.png', 180, false, 0.06],
]
for (const [name, size, rounded, pad] of targets) {
  await page.setViewportSize({ width: size, height: size })
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg(rounded, pad).replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`)
  await page.screenshot({ path: new URL(name, out).pathname, omitBackground: true })
}
await browser.close()
console.log('icons written to public/icons')
