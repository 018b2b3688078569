import type { Session } from '@supabase/supabase-js'
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core'
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

export async function storedAccessToken(page: Page): Promise<string> {
  return page.evaluate(k => (JSON.parse(localStorage.getItem(k)!) as Session).access_token, AUTH_STORAGE_KEY)
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
