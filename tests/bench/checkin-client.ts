import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
// Child process of sessions.ts: the phones of the 500-member check-in, so that the stack's process
// serves them as it would real phones, without also running their supabase-js clients.
// stdin: first line {url, anonKey, jwtSecret, session, members, code}, then one line {code} whenever the
// organiser's screen shows a new code. stdout: one JSON line with the outcome.
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { createClient } from '@supabase/supabase-js'
import { SignJWT } from 'jose'
import ws from 'ws'

interface Start { url: string, anonKey: string, jwtSecret: string, session: string, members: string[], code: string }

const lines = createInterface({ input: process.stdin })
let start: Start | undefined
let code = ''
let begun: ((s: Start) => void) | undefined
const started = new Promise<Start>((resolve) => {
  begun = resolve
})
lines.on('line', (line) => {
  const msg = JSON.parse(line) as Start | { code: string }
  code = msg.code
  if ('members' in msg && !start)
    begun!(start = msg)
})

async function main(): Promise<void> {
  const s = await started
  const key = new TextEncoder().encode(s.jwtSecret)
  const clients = await Promise.all(s.members.map(async sub => createClient(s.url, s.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    global: { headers: { Authorization: `Bearer ${await new SignJWT({ sub, role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(key)}` } },
  })))
  const latencies: number[] = []
  let errors = 0
  let ok = 0
  let already = 0
  const firstErrors: string[] = []
  // `delay` is the tap's moment in the arrival schedule this benchmark measures (500 phones over
  // ten seconds), not a wait for something to happen
  const send = async (c: (typeof clients)[number], delay: number) => {
    await new Promise(r => setTimeout(r, delay))
    const t = performance.now()
    const { data, error } = await c.rpc('session_check_in', { p_id: randomUUID(), p_session_id: s.session, p_code: code, p_method: 'qr' })
    latencies.push(performance.now() - t)
    if (error) {
      errors++
      if (firstErrors.length < 3)
        firstErrors.push(error.message)
    }
    else if ((data as { status: string }).status === 'ok') {
      ok++
    }
    else {
      already++
    }
  }
  const t0 = performance.now()
  // everyone within ten seconds; one in ten taps twice (a retry or an impatient thumb)
  await Promise.all(clients.flatMap((c, i) => {
    const at = Math.random() * 10_000
    return i % 10 === 0 ? [send(c, at), send(c, at + 50 + Math.random() * 500)] : [send(c, at)]
  }))
  console.log(JSON.stringify({ latencies, errors, ok, already, firstErrors, wallMs: performance.now() - t0 }))
  lines.close()
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
