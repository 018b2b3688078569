// npm run bench:web — a benchmark, not a test: builds the app against a local stack, serves it,
// and runs Lighthouse 12 (mobile) on the sign-in screen and the home screen (signed in).
// Prints scores, LCP, JS transferred, and the first route's gzipped JS from the build output.
// Beside them, in the same run, a blank Vite + Vue page (a heading rendered by Vue), loaded cold
// just before each pair of loads: each cold run prints its LCP as a ratio to that page's.
// Targets: sign-in and a returning teacher's home each with LCP ≤ 1.2× the blank page's and
// performance ≥ 95 in every cold run (at 4×); accessibility ≥ 95; first-route JS ≤ 150 KB gzipped.
//
// Lighthouse's mobile profile slows the CPU 4× on the assumption that the host is a fast desktop
// (benchmark index ≈ 1,500). Its docs ask for that multiplier to be calibrated to the host
// (docs/throttling.md, "CPU throttling"); on a slower or busier host a fixed 4× emulates a phone
// slower than the one Lighthouse targets. So each of BENCH_WEB_RUNS cold loads (default 3) is
// audited twice from the same trace: at the fixed 4×, and at the multiplier calibrated from the
// benchmark index Lighthouse measured just before that load. The median run of each is printed.
import type { BrowserContext } from 'playwright-core'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createClient } from '@supabase/supabase-js'
import lighthouse from 'lighthouse'
import * as lighthouseConstants from 'lighthouse/core/config/constants.js'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import ws from 'ws'
import { AUTH_STORAGE_KEY } from '../../src/api/local'
import { serveStatic } from '../e2e/serve'

type StartLocalStack = (opts: { dataDir?: string, port?: number }) => Promise<{ url: string, anonKey: string, close: () => Promise<void> }>
interface ManifestChunk { file: string, imports?: string[], dynamicImports?: string[], isEntry?: boolean, css?: string[] }

const ROOT = resolve(import.meta.dirname, '../..')
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

/**
 * The CPU slowdown that makes this host behave like Lighthouse's reference phone, from its
 * benchmark index (the formula of Lighthouse's CPU throttling calculator, linked from its docs).
 */
function calibratedCpuMultiplier(benchmarkIndex: number): number {
  if (benchmarkIndex >= 1300)
    return 3 + (benchmarkIndex - 1300) / 233
  if (benchmarkIndex >= 800)
    return 2 + (benchmarkIndex - 800) / 500
  return Math.max(1, 1 + (benchmarkIndex - 150) / 650)
}

/**
 * The yardstick: the smallest page Vite and Vue make, a heading rendered by Vue (the starter's page
 * without its images), built and served like the app.
 */
async function buildBlank(outDir: string): Promise<void> {
  // inside the project, so that `vue` resolves from its node_modules
  const src = join(ROOT, 'node_modules/.cache/bench-web-blank')
  rmSync(src, { recursive: true, force: true })
  mkdirSync(src, { recursive: true })
  writeFileSync(join(src, 'index.html'), '<!doctype html>\n<html lang="en">\n<head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0"><meta name="description" content="blank"><title>Vite + Vue</title></head>\n<body><div id="app"></div><script type="module" src="/main.js"></script></body>\n</html>\n')
  writeFileSync(join(src, 'main.js'), `import { createApp, h } from 'vue'\ncreateApp({ render: () => h('main', [h('h1', 'Vite + Vue'), h('p', 'Edit App.vue and save to test HMR')]) }).mount('#app')\n`)
  await build({ root: src, configFile: false, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  rmSync(src, { recursive: true, force: true })
}

const median = <T>(runs: T[], by: (r: T) => number) => [...runs].sort((a, b) => by(a) - by(b))[Math.floor(runs.length / 2)]!

/**
 * Load `url` once, and audit that load at the fixed 4× and at the calibrated multiplier.
 * `BENCH_WEB_REPORTS=<dir>` keeps the reports and artifacts (trace included) there.
 */
async function audit(url: string, name: string) {
  const artifactsDir = process.env.BENCH_WEB_REPORTS ? join(process.env.BENCH_WEB_REPORTS, name) : mkdtempSync(join(tmpdir(), 'xxdzz-bench-lh-'))
  const flags = (cpuSlowdownMultiplier: number) => ({
    port: PORT,
    output: 'json' as const,
    logLevel: 'error' as const,
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
    throttling: { ...lighthouseConstants.throttling.mobileSlow4G, cpuSlowdownMultiplier },
    disableStorageReset: true, // keep the injected session
  })
  try {
    const fixed = await lighthouse(url, { ...flags(4), gatherMode: artifactsDir, auditMode: artifactsDir })
    const multiplier = calibratedCpuMultiplier(fixed!.lhr.environment.benchmarkIndex)
    // In 'simulate' mode the page loads unthrottled and the slowdown is applied to the recorded
    // trace afterwards, so the saved load can be re-simulated at another multiplier. Lighthouse
    // refuses settings that differ from the gathered ones: record the new multiplier there too.
    const artifactsFile = join(artifactsDir, 'artifacts.json')
    const artifacts = JSON.parse(readFileSync(artifactsFile, 'utf8')) as { settings: { throttling: { cpuSlowdownMultiplier: number } } }
    artifacts.settings.throttling.cpuSlowdownMultiplier = multiplier
    writeFileSync(artifactsFile, JSON.stringify(artifacts))
    const calibrated = await lighthouse(url, { ...flags(multiplier), auditMode: artifactsDir })
    return { fixed: summary(fixed!.lhr, 4), calibrated: summary(calibrated!.lhr, multiplier) }
  }
  finally {
    if (!process.env.BENCH_WEB_REPORTS)
      rmSync(artifactsDir, { recursive: true, force: true })
  }
}

type Lhr = NonNullable<Awaited<ReturnType<typeof lighthouse>>>['lhr']

function summary(lhr: Lhr, cpuSlowdownMultiplier: number) {
  const score = (c: string) => Math.round((lhr.categories[c]?.score ?? 0) * 100)
  const requests = (lhr.audits['network-requests']?.details as { items?: { resourceType?: string, transferSize?: number }[] } | undefined)?.items ?? []
  const js = requests.filter(r => r.resourceType === 'Script').reduce((n, r) => n + (r.transferSize ?? 0), 0)
  const failed = Object.values(lhr.audits).filter(a => a.score !== null && a.score < 1 && ['accessibility', 'best-practices'].some(c => lhr.categories[c]?.auditRefs.some(r => r.id === a.id && r.weight > 0)))
  return {
    cpu: `${Math.round(cpuSlowdownMultiplier * 10) / 10}× (BI ${Math.round(lhr.environment.benchmarkIndex)})`,
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    fcpMs: Math.round(lhr.audits['first-contentful-paint']?.numericValue ?? 0),
    lcpMs: Math.round(lhr.audits['largest-contentful-paint']?.numericValue ?? 0),
    tbtMs: Math.round(lhr.audits['total-blocking-time']?.numericValue ?? 0),
    cls: Math.round((lhr.audits['cumulative-layout-shift']?.numericValue ?? 0) * 1000) / 1000,
    jsTransferredKB: Math.round(js / 102.4) / 10,
    lcpElement: ((lhr.audits['largest-contentful-paint-element']?.details as { items?: { items?: { node?: { snippet?: string } }[] }[] } | undefined)?.items?.[0]?.items?.[0]?.node?.snippet ?? '').slice(0, 40),
    issues: failed.map(a => a.id),
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-db-'))
  const outDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-dist-'))
  const blankDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-blank-'))
  let blankServer: Awaited<ReturnType<typeof serveStatic>> | null = null
  const stackModule = '../../supabase/local/index'
  const { startLocalStack } = await import(stackModule) as { startLocalStack: StartLocalStack }
  const { SUITE_RATE_LIMIT_ENV } = await import('../../supabase/local/auth-config') as { SUITE_RATE_LIMIT_ENV: Record<string, string> }
  Object.assign(process.env, SUITE_RATE_LIMIT_ENV)
  const stack = await startLocalStack({ dataDir, port: 0 })
  let browser: BrowserContext | null = null
  let userDataDir = ''
  let server: Awaited<ReturnType<typeof serveStatic>> | null = null
  try {
    process.env.VITE_SUPABASE_URL = stack.url
    process.env.VITE_SUPABASE_ANON_KEY = stack.anonKey
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, manifest: true } })
    server = await serveStatic(outDir)
    await buildBlank(blankDir)
    blankServer = await serveStatic(blankDir)

    const login = routeJs(outDir, 'src/pages/auth/LoginPage.vue')
    const home = routeJs(outDir, 'src/pages/home/HomePage.vue')

    // A signed-in member for the home screen, as teachers see it every week: a demo teacher of
    // the seeded organisation (next session, reading to continue, plan due, topics with replies).
    // A real session from the stack, put where supabase-js keeps it.
    const client = createClient(stack.url, stack.anonKey, { auth: { persistSession: false }, realtime: { transport: ws as never } })
    const teacher = (JSON.parse(readFileSync(join(ROOT, 'seeds/demo-accounts.json'), 'utf8')) as { label: string, login: string, password: string }[])
      .find(a => a.label.includes('teacher') && a.login.includes('@'))
    if (!teacher)
      throw new Error('no demo teacher in seeds/demo-accounts.json')
    const { data, error } = await client.auth.signInWithPassword({ email: teacher.login, password: teacher.password })
    if (error || !data.session)
      throw error ?? new Error('sign-in returned no session')
    // A server that has been up a while: the first call of a SQL function in a fresh PGlite
    // compiles it, which is the stack starting, not the app loading.
    const signedIn = createClient(stack.url, stack.anonKey, { auth: { persistSession: false }, global: { headers: { Authorization: `Bearer ${data.session.access_token}` } }, realtime: { transport: ws as never } })
    for (const fn of ['my_context', 'home_summary'])
      await signedIn.rpc(fn)

    // A persistent context is the browser's default one, which Lighthouse's tab shares.
    userDataDir = mkdtempSync(join(tmpdir(), 'xxdzz-bench-chrome-'))
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--remote-debugging-port=${PORT}`],
    })
    const ctx = browser
    const origin = server.url

    /** Every run is a cold start: no HTTP cache, service worker or stored data; home gets the session. */
    async function coldStart(at: string, session: unknown) {
      const page = await ctx.newPage()
      await page.goto(`${at}/favicon.svg`) // same origin, without starting the app (and its service worker)
      const cdp = await ctx.newCDPSession(page)
      await cdp.send('Network.clearBrowserCache')
      await cdp.send('Storage.clearDataForOrigin', { origin: at, storageTypes: 'service_workers,cache_storage,indexeddb' })
      await page.evaluate(([k, v]) => v ? localStorage.setItem(k!, v) : localStorage.removeItem(k!), [AUTH_STORAGE_KEY, session ? JSON.stringify(session) : ''])
      await page.close()
    }

    /**
     * A returning teacher has opened home on this phone before: what it kept there (the last home,
     * src/offline/home-cache.ts) stays, as localStorage does; the cold start clears the rest.
     */
    async function visitHomeOnce() {
      await coldStart(origin, data.session)
      const page = await ctx.newPage()
      await page.goto(`${origin}/`)
      await page.waitForFunction(() => Object.keys(localStorage).some(k => k.startsWith('xxdzz-home:') && (JSON.parse(localStorage.getItem(k)!) as { html?: string }).html))
      await page.close()
    }

    const runs = Math.max(1, Number(process.env.BENCH_WEB_RUNS ?? 3))
    const pages = [['sign-in', `${origin}/login`, null], ['home', `${origin}/`, data.session]] as const
    const results: Record<string, Awaited<ReturnType<typeof audit>>[]> = { 'blank': [], 'sign-in': [], 'home': [] }
    for (let i = 0; i < runs; i++) {
      await coldStart(blankServer.url, null)
      results.blank!.push(await audit(`${blankServer.url}/`, `blank-${i + 1}`))
      for (const [name, url, session] of pages) {
        if (session)
          await visitHomeOnce()
        await coldStart(origin, session)
        results[name]!.push(await audit(url, `${name}-${i + 1}`))
      }
    }
    const rows: Record<string, ReturnType<typeof summary>> = {}
    for (const name of ['blank', 'sign-in', 'home']) {
      rows[`${name} (calibrated)`] = median(results[name]!.map(r => r.calibrated), r => r.performance)
      rows[`${name} (4×)`] = median(results[name]!.map(r => r.fixed), r => r.performance)
    }
    // every cold run at 4×, each beside the blank page loaded just before it
    const perRun: Record<string, { performance: number, lcpMs: number, blankLcpMs: number, lcpRatio: number, cls: number, lcpElement: string }> = {}
    for (const name of ['sign-in', 'home']) {
      results[name]!.forEach((r, i) => {
        const blank = results.blank![i]!.fixed.lcpMs
        perRun[`${name} #${i + 1}`] = { performance: r.fixed.performance, lcpMs: r.fixed.lcpMs, blankLcpMs: blank, lcpRatio: Math.round(r.fixed.lcpMs / blank * 100) / 100, cls: r.fixed.cls, lcpElement: r.fixed.lcpElement }
      })
    }

    const kb = (n: number) => Math.round(n / 102.4) / 10
    console.log(`median of ${runs} cold loads per page; "calibrated" re-simulates each load at the CPU slowdown its host benchmark index (BI) calls for (Lighthouse assumes BI ≈ 1,500 for 4×)`)
    console.table(rows)
    console.log('each cold run at 4×, LCP beside the blank Vite + Vue page of the same run:')
    console.table(perRun)
    console.log(`first-route JS (gzip, from the build): sign-in ${kb(login.gz)} KB in ${login.files.length} files; home ${kb(home.gz)} KB in ${home.files.length} files`)
    // Judged at Lighthouse's own mobile setting (4×): on a shared VM the benchmark index swings
    // (1,050–1,850 seen here) without the page's tasks changing, so the calibrated rows are a guide.
    const judged = ['sign-in', 'home'].map(n => rows[`${n} (4×)`]!)
    const everyRun = Object.values(perRun).every(r => r.performance >= 95 && r.lcpRatio <= 1.2)
    const ok = everyRun && judged.every(r => r.accessibility >= 95) && kb(login.gz) <= 150 && kb(home.gz) <= 150
    const targets = 'every cold run perf ≥ 95 and LCP ≤ 1.2× the blank page, a11y ≥ 95, first-route JS ≤ 150 KB'
    console.log(ok ? `targets met at 4×: ${targets}` : `targets NOT met at 4× (${targets})`)
  }
  finally {
    await browser?.close()
    await server?.close()
    await blankServer?.close()
    await stack.close()
    rmSync(blankDir, { recursive: true, force: true })
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
