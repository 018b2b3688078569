import type { Session } from '@supabase/supabase-js'
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import { chromium } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import ws from 'ws'
import { AUTH_STORAGE_KEY } from '../../src/api/local'
import { LoginPage } from './pages/LoginPage'

export const ROOT = resolve(import.meta.dirname, '../..')
export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:4173'
export const STACK_URL = process.env.E2E_STACK_URL ?? 'http://127.0.0.1:54321'
export const ANON_KEY = process.env.E2E_ANON_KEY ?? ''
/** Branch A of the demo seeds (secretary1, teacher1) */
export const BRANCH_A = '00000000-0000-4000-8000-000000000011'
export const DEMO_INVITE = process.env.E2E_INVITE ?? 'DEMO2026'

export interface DemoAccount { label: string, login: string, password: string }

/** seeds/demo-accounts.json, when the seeds define it. */
export function demoAccounts(): DemoAccount[] {
  const file = join(ROOT, 'seeds/demo-accounts.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as DemoAccount[] : []
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * One browser per spec file, a fresh phone-sized context per phone (`await b.open()`, or
 * `await b.signedIn(login)`); every phone a test opened is closed after it, with a screenshot of
 * the last one into test-results/ when the test failed.
 */
export function useBrowser() {
  let browser: Browser
  const state = {} as { context: BrowserContext, page: Page }
  const opened: BrowserContext[] = []
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
  })
  // Screenshot a failed test into test-results/, then close its context.
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && state.page) {
      const dir = join(ROOT, 'test-results')
      mkdirSync(dir, { recursive: true })
      await state.page.screenshot({ path: join(dir, `${task.name.replace(/\W+/g, '-').slice(0, 80)}.png`), fullPage: true }).catch(() => {})
    }
    await Promise.all(opened.splice(0).map(c => c.close().catch(() => {})))
  })
  afterAll(async () => {
    await browser?.close()
  })
  return {
    state,
    /** A fresh phone; `baseURL` for a test that serves a deployment of its own, `options` for one set otherwise (a time zone). */
    async open(baseURL = BASE_URL, options: BrowserContextOptions = {}): Promise<Page> {
      state.context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', baseURL, serviceWorkers: 'allow', ...options })
      opened.push(state.context)
      state.page = await state.context.newPage()
      state.page.on('pageerror', err => console.warn('[pageerror]', err.message))
      return state.page
    },
    /** A fresh phone signed in through the sign-in screen, on home. */
    async signedIn(login: string, password = 'demo1234'): Promise<Page> {
      const page = await this.open()
      await signInAs(page, login, password)
      return page
    },
  }
}

/** Wait for the answer of an RPC (e.g. 'my_context') rather than for time. */
export function waitForRpc(page: Page, fn: string): Promise<Response> {
  return page.waitForResponse(r => r.url().includes(`/rest/v1/rpc/${fn}`) && r.request().method() === 'POST')
}

/** Wait for an auth endpoint answer ('token', 'signup', 'user'). */
export function waitForAuth(page: Page, path: string): Promise<Response> {
  return page.waitForResponse(r => r.url().includes(`/auth/v1/${path}`) && r.request().method() !== 'OPTIONS')
}

export function uniqueEmail(prefix = 'e2e') {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`
}

/** A real session of an account (email login), made through the API as supabase-js would keep it. */
export async function apiSession(email: string, password: string): Promise<Session> {
  const client = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false }, realtime: { transport: ws as never } })
  const { data, error } = await client.auth.signInWithPassword({ email, password })
  if (error || !data.session)
    throw error ?? new Error(`no session for ${email}`)
  return data.session
}

/** A supabase-js client signed in as an account (no browser): another member or the secretary acting meanwhile. */
export async function apiClient(email: string, password = 'demo1234') {
  const client = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } })
  const { error } = await client.auth.signInWithPassword({ email, password })
  if (error)
    throw error
  return client
}

/** What supabase-js keeps in the app's localStorage, set before the app starts (or read back). */
export async function storeSession(page: Page, session: unknown): Promise<void> {
  await page.goto('/favicon.svg') // the app's origin, without starting the app
  await page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [AUTH_STORAGE_KEY, JSON.stringify(session)])
}

export async function storedSession(page: Page): Promise<Session> {
  return page.evaluate(k => JSON.parse(localStorage.getItem(k)!) as Session, AUTH_STORAGE_KEY)
}

/** Sign in through the sign-in screen and wait for home. */
export async function signInAs(page: Page, login: string, password = 'demo1234'): Promise<void> {
  const screen = new LoginPage(page)
  await screen.goto()
  await screen.signIn(login, password)
  await page.locator('[data-test="home-page"]').waitFor()
}

/** The newest SMS code the local stack "sent" to a phone (86…), from its outbox (/sms.json). */
export async function smsCode(phone: string): Promise<string> {
  const res = await fetch(`${STACK_URL}/sms.json?phone=${encodeURIComponent(phone)}`)
  const list = res.ok ? await res.json() as { otp: string }[] : []
  if (!list[0])
    throw new Error(`no SMS sent to ${phone} (outbox answered ${res.status})`)
  return list[0].otp
}

/** A moment as the app's datetime-local inputs take it: 'YYYY-MM-DDTHH:mm' in Asia/Shanghai (src/modules/time.ts). */
export function bureauInputTime(ms: number): string {
  const f = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  return f.format(ms).replace(' ', 'T')
}

/** The moment a datetime-local value of the app's ('YYYY-MM-DDTHH:mm', Asia/Shanghai) stands for. */
export function fromBureauInputTime(typed: string): number {
  return Date.parse(`${typed}:00+08:00`)
}

export interface ShotOptions {
  /** the whole page, not only the viewport (scrolled to the top first) */
  fullPage?: boolean
  /** also at 320 px wide (saved as `<name>-320.png`, the 390 one as `<name>-390.png`) */
  narrow?: boolean
  /**
   * the whole screen by making the viewport as tall as the page (not `fullPage`, which resizes the
   * page itself and so drops a text size given through CDP); `reapply` sets such settings again
   * after each resize
   */
  tall?: { reapply?: () => Promise<void> }
}

/**
 * Screenshots for a person to look at, under test-results/<area>/: `const shot = shots('sessions')`,
 * then `await shot(page, '01-code-screen')`. Taken only when E2E_SHOTS is set, unless `always`
 * (specs whose screenshots are part of what they leave behind).
 */
export function shots(area: string, opts: { always?: boolean } = {}) {
  const dir = opts.always || process.env.E2E_SHOTS ? join(ROOT, 'test-results', area) : ''
  return async function shot(page: Page, name: string, o: ShotOptions = {}): Promise<void> {
    if (!dir)
      return
    mkdirSync(dir, { recursive: true })
    if (o.fullPage)
      await page.evaluate(() => window.scrollTo(0, 0))
    if (o.tall) {
      const viewport = page.viewportSize()!
      const height = await page.evaluate(() => document.documentElement.scrollHeight)
      await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 6000) })
      await o.tall.reapply?.()
      await page.screenshot({ path: join(dir, `${name}.png`) })
      await page.setViewportSize(viewport)
      await o.tall.reapply?.()
      return
    }
    if (!o.narrow) {
      await page.screenshot({ path: join(dir, `${name}.png`), fullPage: o.fullPage })
      return
    }
    const viewport = page.viewportSize()!
    await page.screenshot({ path: join(dir, `${name}-${viewport.width}.png`), fullPage: o.fullPage })
    await page.setViewportSize({ width: 320, height: 640 })
    await page.screenshot({ path: join(dir, `${name}-320.png`), fullPage: o.fullPage })
    await page.setViewportSize(viewport)
  }
}

/** A party class of branch A (as secretary1) starting at `startsAt`, its check-in window around it; its id. */
export async function newSession(startsAt: Date, title = '党课：学习十八大报告（E2E）'): Promise<string> {
  const c = await apiClient('secretary1@demo.example')
  const id = randomUUID()
  const { error } = await c.rpc('session_save', {
    p_id: id,
    p_org_id: BRANCH_A,
    p_kind: 'party_class',
    p_title: title,
    p_starts_at: startsAt.toISOString(),
    p_duration_minutes: 60,
    p_place: '党员活动室',
  })
  if (error)
    throw error
  return id
}

/** An account that belongs nowhere yet, made as sign-up makes it. */
export async function loneTeacher(name: string): Promise<{ email: string, id: string }> {
  const c = createClient(STACK_URL, ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } })
  const email = uniqueEmail('join')
  const { data, error } = await c.auth.signUp({ email, password: 'demo1234', options: { data: { display_name: name } } })
  if (error || !data.user)
    throw error ?? new Error('no user')
  return { email, id: data.user.id }
}

/** A pending request to join: a new account opens an invite that needs approval (DEMOASK1: branch B, secretary2 answers). */
export async function askToJoin(name: string, code = 'DEMOASK1'): Promise<{ email: string, id: string }> {
  const t = await loneTeacher(name)
  const c = await apiClient(t.email)
  const { error } = await c.rpc('join_request_create', { p_id: randomUUID(), p_code: code })
  if (error)
    throw error
  return t
}
