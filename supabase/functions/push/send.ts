// The push function's work, kept apart from Deno.serve (index.ts) so Node tests run it: check the
// caller, turn the inbox item into the notification's words, and send one encrypted, VAPID-signed
// message to each of the member's subscriptions. `webpush` is the `web-push` npm package (encryption
// and VAPID signing only, with node:crypto, which Supabase's Edge Runtime provides for npm:
// packages; the request itself goes out with fetch).

export interface InboxRecord {
  id: string
  user_id: string
  kind: string
  params: Record<string, unknown> | null
  link: string
}

export interface Target { endpoint: string, p256dh: string, auth: string, lang: string }

/** the `kind` strings of src/locales/<lang>/inbox.json, and the app's name */
export interface Messages { appName: string, kind: Record<string, string> }

/** The part of `web-push` used: it encrypts (aes128gcm) and signs (VAPID, ES256); fetch sends. */
export interface WebPushLike {
  generateRequestDetails: (
    sub: { endpoint: string, keys: { p256dh: string, auth: string } },
    payload: string,
    options: { vapidDetails: { subject: string, publicKey: string, privateKey: string }, TTL: number, urgency?: string },
  ) => { method: string, headers: Record<string, string | number>, body: Uint8Array | null, endpoint: string }
}

export interface PushDeps {
  /** the secret the database's trigger sends as a bearer token (app.push_settings) */
  secret: string
  vapid: { subject: string, publicKey: string, privateKey: string }
  messages: Record<string, Messages>
  targets: (userId: string) => Promise<Target[]>
  gone: (endpoint: string) => Promise<void>
  webpush: WebPushLike
  /** injectable for tests; the platform's fetch otherwise */
  fetch?: typeof fetch
}

/** What the service worker shows: title, one line, and the app route it opens (same origin only). */
export function buildPayload(record: InboxRecord, messages: Messages): { title: string, body: string, url: string, tag: string } {
  const p = record.params ?? {}
  const at = typeof p.starts_at === 'string' ? new Date(p.starts_at) : null
  const fill: Record<string, string> = {
    time: at && !Number.isNaN(at.getTime())
      ? new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(at)
      : '',
    place: typeof p.place === 'string' && p.place ? ` · ${p.place}` : '',
    due: typeof p.due_on === 'string' ? p.due_on : '',
  }
  const kind = record.kind === 'topic_closed' && p.has_summary ? 'topic_closed_summary' : record.kind
  const template = messages.kind[kind] ?? messages.appName
  const body = template.replace(/\{(\w+)\}/g, (_, name: string) => fill[name] ?? (p[name] == null ? '' : String(p[name])))
  // a link is an app route: never another origin
  const url = /^\/[\w/-]*$/.test(record.link) ? record.link : '/inbox'
  return { title: messages.appName, body: body.slice(0, 200), url, tag: record.id }
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Constant-time comparison of the bearer secret. */
function sameSecret(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given)
  const b = new TextEncoder().encode(expected)
  let diff = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

/**
 * The handler: POST with the database webhook's body ({type: 'INSERT', record}). Answers 200
 * with what was sent; 401 without the secret, 400 on a body that is not an inbox item. A push
 * service's refusal never fails the call: 404/410 drop that subscription, others are counted.
 */
export async function handlePush(req: Request, deps: PushDeps): Promise<Response> {
  if (req.method !== 'POST')
    return json(405, { error: 'push.method' })
  const auth = req.headers.get('authorization') ?? ''
  if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice(7), deps.secret))
    return json(401, { error: 'push.unauthorized' })
  let record: InboxRecord
  try {
    const body = await req.json() as { type?: string, record?: InboxRecord }
    record = body.record as InboxRecord
    if (body.type !== 'INSERT' || !record || typeof record.user_id !== 'string' || typeof record.kind !== 'string' || typeof record.link !== 'string')
      throw new Error('shape')
  }
  catch {
    return json(400, { error: 'push.invalid' })
  }
  const targets = await deps.targets(record.user_id)
  let sent = 0
  let dropped = 0
  let failed = 0
  for (const t of targets) {
    const payload = buildPayload(record, deps.messages[t.lang] ?? deps.messages['zh-CN']!)
    try {
      // TTL: a reminder a day old is no use (the inbox keeps it anyway). The request is made by
      // web-push and sent with fetch, which the Edge Runtime has natively.
      const r = deps.webpush.generateRequestDetails({ endpoint: t.endpoint, keys: { p256dh: t.p256dh, auth: t.auth } }, JSON.stringify(payload), {
        vapidDetails: deps.vapid,
        TTL: 24 * 3600,
        urgency: 'normal',
      })
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]))
      const res = await (deps.fetch ?? fetch)(r.endpoint, { method: r.method, headers, body: r.body ? new Uint8Array(r.body) : null, signal: AbortSignal.timeout(10_000) })
      await res.body?.cancel()
      if (res.status === 404 || res.status === 410) {
        await deps.gone(t.endpoint)
        dropped++
      }
      else if (res.ok) {
        sent++
      }
      else {
        failed++
      }
    }
    catch {
      // no answer from that push service: the inbox still has the item
      failed++
    }
  }
  return json(200, { sent, dropped, failed })
}
