// npm run bench:web — a benchmark, not a test: builds the app against a local stack, serves it,
// and runs Lighthouse 12 (mobile) on the sign-in screen and the home screen (signed in).
// Prints scores, LCP, JS transferred, and the first route's gzipped JS from the build output.
// Targets: performance ≥ 90, accessibility ≥ 95, first-route JS ≤ 150 KB gzipped.
import type { BrowserContext } from 'playwright-core'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createClient } from '@supabase/supabase-js'
import ws from 'ws'
import lighthouse from 'lighthouse'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import { serveStatic } from '../e2e/serve'

type StartLocalStack = (opts: { dataDir?: string, port?: number }) => Promise<{ url: string, anonKey: string, close: () => Promise<void> }>
interface ManifestChunk { file: string, imports?: string[], dynamicImports?: string[], isEntry?: boolean, css?: string[] }

const ROOT = resolve(import.meta.dirname, '../..')
const AUTH_STORAGE_KEY = 'xxdzz-auth' // src/api/client.ts
const PORT = 9333

/** Gzipped bytes of the entry plus a route's page chunk and everything they import statically. */
function routeJs(outDir: string, page: string): { files: string[], gz: number } {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>
  const seen = new Set<string>()
  const visit = (key: string) => {
    const chunk = manifest[key]
    if (!chunk || seen.has(chunk.file))
      return
    seen.add(chunk.file)
    chunk.imports?.forEach(visit)
  }
  visit('index.html')
  visit(page)
  const files = [...seen].filter(f => f.endsWith('.js'))
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(outDir, f)), { level: 9 }).length, 0)
  return { files, gz }
}

async function audit(url: string) {
  const result = await lighthouse(url, {
    port: PORT,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
    disableStorageReset: true, // keep the injected session
  })
  const lhr = result!.lhr
  const score = (c: string) => Math.round((lhr.categories[c]?.score ?? 0) * 100)
  const requests = (lhr.audits['network-requests']?.details as { items?: { resourceType?: string, transferSize?: number }[] } | undefined)?.items ?? []
  const js = requests.filter(r => r.resourceType === 'Script').reduce((n, r) => n + (r.transferSize ?? 0), 0)
  const failed = Object.values(lhr.audits).filter(a => a.score !== null && a.score < 1 && ['accessibility', 'best-practices'].some(c => lhr.categories[c]?.auditRefs.some(r => r.id === a.id && r.weight > 0)))
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    fcpMs: Math.round(lhr.audits['first-contentful-paint']?.numericValue ?? 0),
    lcpMs: Math.round(lhr.audits['largest-contentful-paint']?.numericValue ?? 0),
    tbtMs: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? 0),
    jsTransferredKB: Math.round(js / 102.4) / 10,
    lcpElement: ((lhr.audits['largest-contentful-paint-element']?.details as { items?: { items?: { node?: { snippet?: string } }[] }[] } | undefined)?.items?.[0]?.items?.[0]?.node?.snippet ?? '').slice(0, 40),
    issues: failed.map(a => a.id),
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-db-'))
  const outDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-dist-'))
  const stackModule = '../../supabase/local/index'
  const { startLocalStack } = await import(stackModule) as { startLocalStack: StartLocalStack }
  const stack = await startLocalStack({ dataDir, port: 0 })
  let browser: BrowserContext | null = null
  let userDataDir = ''
  let server: Awaited<ReturnType<typeof serveStatic>> | null = null
  try {
    process.env.VITE_SUPABASE_URL = stack.url
    process.env.VITE_SUPABASE_ANON_KEY = stack.anonKey
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, manifest: true } })
    server = await serveStatic(outDir)

    const login = routeJs(outDir, 'src/pages/auth/LoginPage.vue')
    const home = routeJs(outDir, 'src/pages/home/HomePage.vue')

    // A signed-in member for the home screen: a real session from the stack, put where supabase-js keeps it.
    const client = createClient(stack.url, stack.anonKey, { auth: { persistSession: false } , realtime: { transport: ws as never } })
    const email = `bench-${Date.now()}@example.com`
    const { data, error } = await client.auth.signUp({ email, password: 'bench-secret-1', options: { data: { display_name: '测评党员' } } })
    if (error || !data.session)
      throw error ?? new Error('sign-up returned no session')

    // A persistent context is the browser's default one, which Lighthouse's tab shares.
    userDataDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-chrome-'))
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--remote-debugging-port=${PORT}`],
    })
    const signInResult = await audit(`${server.url}/login`)

    // Cold start for home too: drop caches and the service worker, keep only the injected session.
    const page = await browser.newPage()
    await page.goto(`${server.url}/favicon.svg`) // same origin, without starting the app (and its service worker)
    const cdp = await browser.newCDPSession(page)
    await cdp.send('Network.clearBrowserCache')
    await cdp.send('Storage.clearDataForOrigin', { origin: server.url, storageTypes: 'service_workers,cache_storage,indexeddb' })
    await page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [AUTH_STORAGE_KEY, JSON.stringify(data.session)])
    await page.close()
    const homeResult = await audit(`${server.url}/`)

    const kb = (n: number) => Math.round(n / 102.4) / 10
    console.table({ 'sign-in': signInResult, 'home': homeResult })
    console.log(`first-route JS (gzip, from the build): sign-in ${kb(login.gz)} KB in ${login.files.length} files; home ${kb(home.gz)} KB in ${home.files.length} files`)
    const ok = [signInResult, homeResult].every(r => r.performance >= 90 && r.accessibility >= 95) && kb(login.gz) <= 150 && kb(home.gz) <= 150
    console.log(ok ? 'targets met: perf ≥ 90, a11y ≥ 95, first-route JS ≤ 150 KB' : 'targets NOT met (perf ≥ 90, a11y ≥ 95, first-route JS ≤ 150 KB)')
  }
  finally {
    await browser?.close()
    await server?.close()
    await stack.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
    if (userDataDir)
      rmSync(userDataDir, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err)
  process.exit(1)
})
