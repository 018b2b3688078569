// The push function's sender (supabase/functions/push/send.ts) against a local HTTP server
// standing in for a browser's push service: the caller's secret is checked, the notification's
// words come from the inbox's i18n strings in the subscription's language, the request carries
// a VAPID token that verifies with the public key for that push service's origin, the body
// decrypts (aes128gcm) with the browser's keys to the payload, and 410 drops the subscription.
import type { AddressInfo } from 'node:net'
import type { PushDeps, Target } from '../../supabase/functions/push/send'
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import ece from 'http_ece'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { buildPayload, handlePush } from '../../supabase/functions/push/send'

const b64u = (b: Buffer) => b.toString('base64url')
const vapid = { subject: 'mailto:admin@demo.example', ...webpush.generateVAPIDKeys() }
// read as files: the app's build compiles its locale JSON into functions
const locale = (lang: string, area: string) => JSON.parse(readFileSync(new URL(`../../src/locales/${lang}/${area}.json`, import.meta.url), 'utf8'))
const [zh, zhCommon, en, enCommon] = [locale('zh-CN', 'inbox'), locale('zh-CN', 'common'), locale('en', 'inbox'), locale('en', 'common')]
const messages = { 'zh-CN': { appName: zhCommon.app_name, kind: zh.kind }, 'en': { appName: enCommon.app_name, kind: en.kind } }

/** a browser's subscription keys: an ECDH P-256 pair and a 16-byte auth secret */
function browserKeys() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { ecdh, p256dh: b64u(ecdh.getPublicKey()), auth: b64u(randomBytes(16)) }
}

interface Received { path: string, headers: Record<string, string | string[] | undefined>, body: Buffer }
const received: Received[] = []
let base = ''
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) })
    res.statusCode = req.url?.startsWith('/gone') ? 410 : 201
    res.end()
  })
})
beforeAll(() => new Promise<void>(r => server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  r()
})))
afterAll(() => new Promise<void>(r => server.close(() => r())))

const record = {
  id: '7c0b2f52-5a43-4c4e-9d7e-7d1b3f7e0a11',
  user_id: '00000000-0000-4000-a000-000000000004',
  kind: 'session_moved',
  params: { title: '支部党员大会', starts_at: '2026-12-03T07:30:00Z', place: '三楼会议室' },
  link: '/sessions/00000000-0000-4000-c000-000000000001',
}
const SECRET = 'a-secret-of-16-chars-or-more'
function request(body: unknown, secret = SECRET) {
  return new Request('http://functions.local/push', {
    method: 'POST',
    headers: { 'Authorization': `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
}

function deps(targets: Target[], gone: string[] = []): PushDeps {
  return { secret: SECRET, vapid, messages, targets: async () => targets, gone: async (e) => {
    gone.push(e)
  }, webpush }
}

describe('push sender', () => {
  it('words the notification from the inbox strings, in Shanghai time, and opens the item\'s screen', () => {
    expect(buildPayload(record, messages['zh-CN'])).toEqual({
      title: '学习型党组织',
      body: '活动有变：支部党员大会 改为 12/3 15:30 · 三楼会议室',
      url: record.link,
      tag: record.id,
    })
    expect(buildPayload(record, messages.en).body).toContain('支部党员大会')
    // a link is an app route, never another origin
    expect(buildPayload({ ...record, link: 'https://evil.example/' }, messages.en).url).toBe('/inbox')
  })

  it('refuses a caller without the secret and a body that is not an inbox item, sending nothing', async () => {
    const before = received.length
    expect((await handlePush(request({ type: 'INSERT', record }, 'wrong-secret-wrong-secret'), deps([]))).status).toBe(401)
    expect((await handlePush(request({ type: 'INSERT', record: { id: 1 } }), deps([]))).status).toBe(400)
    expect((await handlePush(new Request('http://functions.local/push', { method: 'POST', headers: { Authorization: `Bearer ${SECRET}` }, body: '{not json' }), deps([]))).status).toBe(400)
    expect(received.length).toBe(before)
  })

  it('sends an encrypted, VAPID-signed message that the browser\'s keys decrypt; 410 drops that subscription', async () => {
    const phone = browserKeys()
    const gone: string[] = []
    const targets = [
      { endpoint: `${base}/push/phone-1`, p256dh: phone.p256dh, auth: phone.auth, lang: 'zh-CN' },
      { endpoint: `${base}/gone/old-phone`, p256dh: phone.p256dh, auth: phone.auth, lang: 'en' },
    ]
    const before = received.length
    const res = await handlePush(request({ type: 'INSERT', table: 'inbox_items', schema: 'app', record, old_record: null }), deps(targets, gone))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ sent: 1, dropped: 1, failed: 0 })
    expect(gone).toEqual([`${base}/gone/old-phone`])

    const got = received.slice(before).find(r => r.path === '/push/phone-1')!
    expect(got.headers['content-encoding']).toBe('aes128gcm')
    expect(got.headers.ttl).toBe(String(24 * 3600))
    // VAPID (RFC 8292): "vapid t=<ES256 JWT>, k=<public key>"; the token is for this push
    // service's origin, expires within a day, names the subject, and verifies with the key
    const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(String(got.headers.authorization))!
    expect(m).not.toBeNull()
    expect(m[4]).toBe(vapid.publicKey)
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString())
    expect(claims).toMatchObject({ aud: base, sub: vapid.subject })
    expect(claims.exp * 1000).toBeGreaterThan(Date.now())
    expect(claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000)
    const pub = Buffer.from(vapid.publicKey, 'base64url')
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)) }, format: 'jwk' })
    expect(verify('sha256', Buffer.from(`${m[1]}.${m[2]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(m[3]!, 'base64url'))).toBe(true)
    // only the phone's private key opens it
    const plain = ece.decrypt(got.body, { version: 'aes128gcm', privateKey: phone.ecdh, authSecret: phone.auth })
    expect(JSON.parse(plain.toString())).toEqual(buildPayload(record, messages['zh-CN']))
  })
})
