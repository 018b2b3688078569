import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
import type { SupabaseClient } from '@supabase/supabase-js'
// Attacks on sign-in and phone ownership, against a stack of its own with config.toml's
// [auth] settings (SMS confirmations, max_frequency, the CLI's rate limits) and a clock the test
// steps: phone takeover by sign-up and by phone change, wrong, expired and reused codes, password
// and sign-up bursts, passwords over 72 bytes. Each refusal is checked for GoTrue's status and
// code and for nothing having changed. Skipped against a real Supabase (it needs the stack's
// clock and its SMS outbox).
import type { IncomingMessage } from 'node:http'
import type { LocalStack } from '../../supabase/local/index'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ws from 'ws'
import { authConfigFrom, readConfigToml } from '../../supabase/local/auth-config'
import { AuthLimits } from '../../supabase/local/auth-limits'
import { startLocalStack } from '../../supabase/local/index'
import { env, stackTemplate } from './env'

const fileConfig = authConfigFrom(readConfigToml())
const branchB = '00000000-0000-4000-8000-000000000021'

let stack: LocalStack
let dataDir: string | undefined
let clock = Date.parse('2026-12-01T02:00:00Z')
let admin: SupabaseClient

/**
 * Each test is its own client address, so the per-IP buckets of one test do not decide another's.
 * The stack trusts X-Forwarded-For only because this suite configures it to (rateLimitHeader);
 * without that it keys by the socket (the unit test at the end).
 */
function client(ip: string, token?: string): SupabaseClient {
  const headers: Record<string, string> = { 'x-forwarded-for': ip }
  if (token)
    headers.Authorization = `Bearer ${token}`
  return createClient(stack.url, stack.anonKey, {
    global: { headers },
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  })
}

let ipCounter = 10
const newIp = () => `198.51.100.${ipCounter++}`
let phoneCounter = 0
const newPhone = () => `86139${String(Date.now() % 1e6).padStart(6, '0')}${String(phoneCounter++).padStart(2, '0')}`

async function outbox(phone: string): Promise<{ otp: string, kind: string, body: string }[]> {
  const res = await fetch(`${stack.url}/sms.json?phone=${phone}`)
  expect(res.status).toBe(200)
  return await res.json() as { otp: string, kind: string, body: string }[]
}

async function importPending(phone: string, role: string): Promise<void> {
  const { data, error } = await admin.rpc('roster_import', { p_id: randomUUID(), p_org_id: branchB, p_rows: [{ name: '名册上的书记', phone, org: '', role }] })
  expect(error).toBeNull()
  expect(data.saved).toBe(1)
}

async function pendingPhones(): Promise<string[]> {
  const { data, error } = await admin.rpc('roster', { p_org_id: branchB })
  expect(error).toBeNull()
  return (data.pending as { phone: string }[]).map(p => p.phone)
}

async function userByPhone(phone: string): Promise<{ phone_confirmed_at?: string, last_sign_in_at?: string, new_phone?: string } | undefined> {
  const { data, error } = await createClient(stack.url, stack.serviceRoleKey, { realtime: { transport: ws as unknown as WebSocketLikeConstructor }, auth: { persistSession: false } }).auth.admin.listUsers({ perPage: 1000 })
  expect(error).toBeNull()
  return data.users.find(u => u.phone === phone) as never
}

async function memberships(c: SupabaseClient): Promise<[string, string][]> {
  const { data, error } = await c.rpc('my_context')
  expect(error).toBeNull()
  return (data.memberships as { org_id: string, role: string }[]).map(m => [m.org_id, m.role])
}

/** On a PostgreSQL server (test:pg) a database of its own, so its users stay out of the shared one. */
let ownDb: { server: string, name: string } | undefined
async function onServer(server: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: server })
  await c.connect()
  try {
    await c.query(sql)
  }
  finally {
    await c.end()
  }
}

beforeAll(async () => {
  if (!env.localStack)
    return
  let databaseUrl: string | undefined
  if (process.env.DATABASE_URL) {
    ownDb = { server: process.env.DATABASE_URL, name: `xxdzz_sec_${randomUUID().slice(0, 8)}` }
    await onServer(ownDb.server, `create database ${ownDb.name}`)
    const u = new URL(ownDb.server)
    u.pathname = `/${ownDb.name}`
    databaseUrl = u.toString()
  }
  dataDir = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'security-auth-'))
  stack = await startLocalStack({
    dataDir,
    databaseUrl,
    loadDataDir: databaseUrl ? undefined : await stackTemplate(true),
    port: 0,
    // config.toml's numbers, not the raised ones the shared suites run with (SUITE_RATE_LIMIT_ENV)
    auth: { rateLimit: fileConfig.rateLimit, sms: fileConfig.sms, rateLimitHeader: 'x-forwarded-for', now: () => clock, log: () => {} },
  })
  admin = client(newIp())
  const { error } = await admin.auth.signInWithPassword({ email: 'admin@demo.example', password: 'demo1234' })
  expect(error).toBeNull()
}, 120_000)

afterAll(async () => {
  await stack?.close()
  if (dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  if (ownDb)
    await onServer(ownDb.server, `drop database if exists ${ownDb.name} with (force)`)
})

describe.runIf(env.localStack)('phone takeover', () => {
  it('by sign-up: no session, no roster place, no role until the code sent to the phone is entered', async () => {
    const phone = newPhone()
    await importPending(phone, '书记')
    const attacker = client(newIp())
    const up = await attacker.auth.signUp({ phone: `+${phone}`, password: 'attacker-pw' })
    expect(up.error).toBeNull()
    expect(up.data.session).toBeNull()
    expect(up.data.user?.phone_confirmed_at).toBeUndefined()
    expect(up.data.user?.confirmation_sent_at).toBeTruthy()
    // the code went to the phone's owner, not in the answer
    expect(JSON.stringify(up.data)).not.toContain((await outbox(phone))[0]!.otp)
    expect((await outbox(phone))[0]!.body).toMatch(/^【学习型党组织】您的验证码是 \d{6}，/)

    const pw = await attacker.auth.signInWithPassword({ phone, password: 'attacker-pw' })
    expect(pw.error).toMatchObject({ status: 400, code: 'phone_not_confirmed' })
    const guess = await attacker.auth.verifyOtp({ phone, token: '000000', type: 'sms' })
    expect(guess.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Token has expired or is invalid' })
    expect(await pendingPhones()).toContain(phone)
    expect((await userByPhone(phone))?.phone_confirmed_at).toBeUndefined()

    // the owner reads the code on their phone and enters it: now the row attaches, with its role
    clock += 6_000
    const owner = client(newIp())
    const code = (await outbox(phone))[0]!.otp
    const v = await owner.auth.verifyOtp({ phone, token: code, type: 'sms' })
    expect(v.error).toBeNull()
    expect(v.data.session?.access_token).toBeTruthy()
    expect(v.data.user?.phone_confirmed_at).toBeTruthy()
    expect(await memberships(owner)).toEqual([[branchB, 'secretary']])
    expect(await pendingPhones()).not.toContain(phone)

    // the same code a second time is refused
    const again = await client(newIp()).auth.verifyOtp({ phone, token: code, type: 'sms' })
    expect(again.error).toMatchObject({ status: 403, code: 'otp_expired' })
    // and the number is now taken
    const dup = await client(newIp()).auth.signUp({ phone, password: 'someone-else' })
    expect(dup.error).toMatchObject({ status: 422, code: 'user_already_exists' })
  })

  it('by phone change: PUT /user only records phone_change; the phone and its roster row follow the code', async () => {
    const phone = newPhone()
    await importPending(phone, '书记')
    const ip = newIp()
    const member = client(ip)
    const email = `t-${randomUUID().slice(0, 12)}@example.com`
    expect((await member.auth.signUp({ email, password: 'member-pw' })).error).toBeNull()

    const change = await member.auth.updateUser({ phone })
    expect(change.error).toBeNull()
    expect(change.data.user?.phone).toBe('')
    expect(change.data.user?.new_phone).toBe(phone)
    expect(await memberships(member)).toEqual([])
    expect(await pendingPhones()).toContain(phone)

    // asking again within max_frequency: GoTrue's 429 and message, no new code
    const sent = (await outbox(phone)).length
    const soon = await member.auth.updateUser({ phone })
    expect(soon.error).toMatchObject({ status: 429, code: 'over_sms_send_rate_limit', message: 'For security purposes, you can only request this after 5 seconds.' })
    expect(await outbox(phone)).toHaveLength(sent)

    const wrong = await member.auth.verifyOtp({ phone, token: '999999', type: 'phone_change' })
    expect(wrong.error).toMatchObject({ status: 403, code: 'otp_expired' })
    // a phone_change code does not confirm a sign-up of that number, nor the other way round
    const asSms = await member.auth.verifyOtp({ phone, token: (await outbox(phone))[0]!.otp, type: 'sms' })
    expect(asSms.error).toMatchObject({ status: 403, code: 'otp_expired' })
    expect(await memberships(member)).toEqual([])

    const ok = await member.auth.verifyOtp({ phone, token: (await outbox(phone))[0]!.otp, type: 'phone_change' })
    expect(ok.error).toBeNull()
    expect(ok.data.user).toMatchObject({ phone, email })
    expect(ok.data.user?.new_phone).toBeUndefined()
    const signed = client(ip, ok.data.session!.access_token)
    expect(await memberships(signed)).toEqual([[branchB, 'secretary']])
    expect((await signed.rpc('my_context')).data.profile.phone).toBe(phone)
  })

  it('a number signed up first by someone else: the owner\'s code confirms it, and the app\'s own password replaces the stranger\'s', async () => {
    const phone = newPhone()
    const stranger = client(newIp())
    expect((await stranger.auth.signUp({ phone, password: 'stranger-pw' })).error).toBeNull()
    clock += 6_000
    // the owner signs up later: GoTrue does not change the unconfirmed user (it cannot know who
    // asks), it only sends a new code, to the owner's phone
    const owner = client(newIp())
    const again = await owner.auth.signUp({ phone, password: 'owner-pw' })
    expect(again.error).toBeNull()
    expect(again.data.session).toBeNull()
    const v = await owner.auth.verifyOtp({ phone, token: (await outbox(phone))[0]!.otp, type: 'sms' })
    expect(v.error).toBeNull()
    // what the app does right after (src/api/auth.ts setOwnPassword)
    expect((await owner.auth.updateUser({ password: 'owner-pw' })).error).toBeNull()
    expect((await client(newIp()).auth.signInWithPassword({ phone, password: 'stranger-pw' })).error).toMatchObject({ status: 400, code: 'invalid_credentials' })
    expect((await client(newIp()).auth.signInWithPassword({ phone, password: 'owner-pw' })).error).toBeNull()
  })

  it('an expired code is refused and changes nothing; a resent one works', async () => {
    const phone = newPhone()
    const c = client(newIp())
    expect((await c.auth.signUp({ phone, password: 'secret123' })).error).toBeNull()
    const code = (await outbox(phone))[0]!.otp
    clock += fileConfig.sms.otpExpirySec * 1000 + 1
    const late = await c.auth.verifyOtp({ phone, token: code, type: 'sms' })
    expect(late.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Token has expired or is invalid' })
    expect((await userByPhone(phone))?.phone_confirmed_at).toBeUndefined()

    const again = await c.auth.resend({ type: 'sms', phone })
    expect(again.error).toBeNull()
    const fresh = (await outbox(phone))[0]!.otp
    const soon = await c.auth.resend({ type: 'sms', phone })
    expect(soon.error).toMatchObject({ status: 429, code: 'over_sms_send_rate_limit' })
    expect((await c.auth.verifyOtp({ phone, token: fresh, type: 'sms' })).error).toBeNull()
    // a confirmed phone gets nothing more from resend(sms)
    clock += 6_000
    const n = (await outbox(phone)).length
    expect((await c.auth.resend({ type: 'sms', phone })).error).toBeNull()
    expect(await outbox(phone)).toHaveLength(n)
  })

  it('codes are stored hashed as GoTrue stores them, never in clear', async () => {
    const phone = newPhone()
    expect((await client(newIp()).auth.signUp({ phone, password: 'secret123' })).error).toBeNull()
    const code = (await outbox(phone))[0]!.otp
    const { rows } = await stack.db.query<{ confirmation_token: string, token_hash: string, token_type: string, relates_to: string }>(
      `select u.confirmation_token, t.token_hash, t.token_type::text, t.relates_to from auth.users u join auth.one_time_tokens t on t.user_id = u.id where u.phone = $1`,
      [phone],
    )
    const { createHash } = await import('node:crypto')
    const expected = createHash('sha224').update(phone + code).digest('hex')
    expect(rows).toEqual([{ confirmation_token: expected, token_hash: expected, token_type: 'confirmation_token', relates_to: phone }])
  })

  it('verify attempts are limited: the 31st in a burst is 429, and the right code then is refused too', async () => {
    const phone = newPhone()
    const ip = newIp()
    const c = client(ip)
    expect((await c.auth.signUp({ phone, password: 'secret123' })).error).toBeNull()
    const code = (await outbox(phone))[0]!.otp
    const wrong = code === '000001' ? '000002' : '000001'
    for (let i = 0; i < 30; i++) {
      const r = await c.auth.verifyOtp({ phone, token: wrong, type: 'sms' })
      expect(r.error).toMatchObject({ status: 403, code: 'otp_expired' })
    }
    const limited = await c.auth.verifyOtp({ phone, token: code, type: 'sms' })
    expect(limited.error).toMatchObject({ status: 429, code: 'over_request_rate_limit', message: 'Request rate limit reached' })
    // from another address the same phone is still limited (its own bucket)
    const other = await client(newIp()).auth.verifyOtp({ phone, token: code, type: 'sms' })
    expect(other.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' })
    expect((await userByPhone(phone))?.phone_confirmed_at).toBeUndefined()
    // token_verifications = 30 per 5 minutes: 10 s later one more try is allowed
    clock += 10_000
    expect((await c.auth.verifyOtp({ phone, token: code, type: 'sms' })).error).toBeNull()
  })
})

describe.runIf(env.localStack)('bursts', () => {
  it('password guesses: the 31st in a burst from one address is 429 even with the right password, and signs nobody in', async () => {
    const ip = newIp()
    const before = await userByPhone('8613800000005')
    const c = client(ip)
    for (let i = 0; i < 30; i++) {
      const r = await c.auth.signInWithPassword({ email: 'teacher2@demo.example', password: `guess-${i}` })
      expect(r.error).toMatchObject({ status: 400, code: 'invalid_credentials' })
    }
    const right = await c.auth.signInWithPassword({ email: 'teacher2@demo.example', password: 'demo1234' })
    expect(right.error).toMatchObject({ status: 429, code: 'over_request_rate_limit', message: 'Request rate limit reached' })
    expect(right.data.session).toBeNull()
    expect((await userByPhone('8613800000005'))?.last_sign_in_at).toBe(before?.last_sign_in_at)
    // the same account from other addresses: its per-account bucket is spent as well
    const elsewhere = await client(newIp()).auth.signInWithPassword({ email: 'teacher2@demo.example', password: 'demo1234' })
    expect(elsewhere.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' })
    // the bucket refills (30 per 5 minutes → one every 10 s)
    clock += 10_000
    expect((await client(newIp()).auth.signInWithPassword({ email: 'teacher2@demo.example', password: 'demo1234' })).error).toBeNull()
  })

  it('sign-ups: 30 from one address pass, the 31st is 429 and creates no user', async () => {
    const c = client(newIp())
    for (let i = 0; i < 30; i++) {
      const r = await c.auth.signUp({ email: `burst-${i}-${randomUUID().slice(0, 6)}@example.com`, password: 'secret123' })
      expect(r.error).toBeNull()
    }
    const email = `burst-31-${randomUUID().slice(0, 6)}@example.com`
    const r = await c.auth.signUp({ email, password: 'secret123' })
    expect(r.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' })
    const { rows } = await stack.db.query('select 1 from auth.users where email = $1', [email])
    expect(rows).toHaveLength(0)
  })
})

describe.runIf(env.localStack)('passwords over 72 bytes', () => {
  it('are refused at sign-up and on change with GoTrue\'s message, and nothing is stored', async () => {
    const c = client(newIp())
    const email = `long-${randomUUID().slice(0, 8)}@example.com`
    const long = 'a'.repeat(73)
    const up = await c.auth.signUp({ email, password: long })
    expect(up.error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Password cannot be longer than 72 characters' })
    expect((await stack.db.query('select 1 from auth.users where email = $1', [email])).rows).toHaveLength(0)
    // 25 Chinese characters are 75 bytes: bcrypt would have kept only the first 24
    const chinese = await c.auth.signUp({ email, password: '学'.repeat(25) })
    expect(chinese.error).toMatchObject({ status: 400, code: 'validation_failed' })
    // 72 bytes exactly is fine
    expect((await c.auth.signUp({ email, password: 'b'.repeat(72) })).error).toBeNull()
    const change = await c.auth.updateUser({ password: 'c'.repeat(80) })
    expect(change.error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Password cannot be longer than 72 characters' })
    expect((await client(newIp()).auth.signInWithPassword({ email, password: 'b'.repeat(72) })).error).toBeNull()
  })
})

describe.runIf(env.localStack)('the SMS outbox', () => {
  it('lists messages newest first as an HTML page and as JSON, per phone', async () => {
    const phone = newPhone()
    expect((await client(newIp()).auth.signUp({ phone, password: 'secret123' })).error).toBeNull()
    clock += 6_000
    expect((await client(newIp()).auth.resend({ type: 'sms', phone })).error).toBeNull()
    const list = await outbox(phone)
    expect(list).toHaveLength(2)
    expect(list.map(m => m.kind)).toEqual(['confirmation', 'confirmation'])
    const html = await fetch(`${stack.url}/sms`)
    expect(html.headers.get('content-type')).toMatch(/^text\/html/)
    const text = await html.text()
    expect(text.indexOf(list[0]!.otp)).toBeLessThan(text.indexOf(list[1]!.otp))
    expect(text).not.toMatch(/<script/)
  })
})

describe('client address for the per-IP limits', () => {
  const req = (remote: string, xff?: string) => ({ socket: { remoteAddress: remote }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage
  it('is the socket peer unless a header is configured; a client cannot pick its bucket', () => {
    const plain = new AuthLimits(fileConfig, () => 0)
    expect(plain.clientAddress(req('127.0.0.1', '203.0.113.9'))).toBe('127.0.0.1')
    const trusting = new AuthLimits({ ...fileConfig, rateLimitHeader: 'X-Forwarded-For' }, () => 0)
    expect(trusting.clientAddress(req('127.0.0.1', '203.0.113.9, 10.0.0.1'))).toBe('203.0.113.9')
    expect(trusting.clientAddress(req('127.0.0.1'))).toBe('127.0.0.1')
  })

  it('counts SMS sent per hour for the whole server (sms_sent)', () => {
    let t = 0
    const limits = new AuthLimits({ ...fileConfig, rateLimit: { ...fileConfig.rateLimit, smsSent: 30 } }, () => t)
    for (let i = 0; i < 30; i++) limits.checkSmsSent()
    expect(() => limits.checkSmsSent()).toThrow('SMS rate limit exceeded')
    t += 3_600_000
    limits.checkSmsSent()
  })

  it('refills at the configured rate with a burst of 30, as GoTrue\'s buckets do', () => {
    let t = 0
    const limits = new AuthLimits({ ...fileConfig, rateLimit: { ...fileConfig.rateLimit, tokenRefresh: 150 } }, () => t)
    const r = req('192.0.2.1')
    for (let i = 0; i < 30; i++) limits.checkIp('tokenRefresh', r)
    expect(() => limits.checkIp('tokenRefresh', r)).toThrow('Request rate limit reached')
    t += 2_000 // 150 per 300 s = one every 2 s
    limits.checkIp('tokenRefresh', r)
    expect(() => limits.checkIp('tokenRefresh', r)).toThrow('Request rate limit reached')
  })
})
