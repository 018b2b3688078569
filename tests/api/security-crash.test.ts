// Issue #13.1/#13.6: no input ends the stack or shows its insides. Malformed requests (raw sockets, so
// that nothing in a client library tidies them first), bodies and websocket frames at every route;
// after each, the refusal's status and key are checked and the server must still answer health.
// The random cases come from a seeded generator, so every run throws the same inputs.
import { connect } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { api, env } from './env'

const { hostname: HOST, port: PORT } = new URL(env.url)
const WS_URL = `${env.url.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${env.anonKey}&vsn=2.0.0`
/** Far past the stack's 64 levels, and past what JSON.stringify can encode (~10k). */
const DEEP = 20_000
const deep = (n = DEEP): string => '['.repeat(n) + ']'.repeat(n)
/** Strings that would show a JavaScript error or stack escaping into a reply. */
const INTERNALS = /TypeError|RangeError|SyntaxError|URIError|ReferenceError|Maximum call stack|\n\s+at |node:internal|\.ts:\d+/

/** mulberry32: small, fast and deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface RawResponse { status: number, head: string, body: string }

/** Writes bytes on a fresh TCP connection and reads until the server closes it. */
function raw(request: string | Buffer, deadlineMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(PORT), HOST)
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no complete answer within ${deadlineMs} ms to ${JSON.stringify(String(request).slice(0, 80))}`))
    }, deadlineMs)
    socket.on('data', c => chunks.push(c))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      const head = split < 0 ? text : text.slice(0, split)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split < 0 ? '' : text.slice(split + 4) })
    })
    socket.write(request)
  })
}

function req(line: string, headers: string[] = [], body = ''): string {
  return [line, `Host: ${HOST}:${PORT}`, `apikey: ${env.anonKey}`, 'Connection: close', ...headers, ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []), '', body].join('\r\n')
}

function upgrade(target: string, extra: string[] = []): string {
  return [`GET ${target} HTTP/1.1`, `Host: ${HOST}:${PORT}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', ...extra, '', ''].join('\r\n')
}

/** The stable part of a refusal: PostgREST's/GoTrue's code, else the gateway's message. */
function keyOf(body: string): string | undefined {
  try {
    const v = JSON.parse(body) as Record<string, unknown>
    return String(v.error_code ?? v.code ?? v.message)
  }
  catch {
    return undefined
  }
}

async function stillServing(): Promise<void> {
  const r = await fetch(`${env.url}/auth/v1/health`)
  expect(r.status).toBe(200)
}

function expectClean(r: { status: number, body: string }): void {
  expect(r.status, r.body).toBeGreaterThanOrEqual(200)
  expect(r.status, r.body).toBeLessThan(500)
  expect(r.body).not.toMatch(INTERNALS)
}

describe.skipIf(!env.localStack)('the stack cannot be knocked over', () => {
  describe('raw HTTP', () => {
    const cases: Array<[string, string, number, string]> = [
      ['authority-like target with a bad port', req('GET //x:99999/ HTTP/1.1'), 404, 'no Route matched with those values'],
      ['the same in front of the REST path', req('GET //x:99999/rest/v1/rpc/my_context HTTP/1.1'), 404, 'no Route matched with those values'],
      ['absolute-form target with a bad port', req('GET http://x:99999/auth/v1/health HTTP/1.1'), 400, 'Bad Request'],
      ['asterisk target', req('GET * HTTP/1.1'), 400, 'Bad Request'],
      ['not a request line', 'HELLO\r\n\r\n', 400, 'Bad Request'],
      ['a control character in a header', req('GET /auth/v1/health HTTP/1.1', ['X-Bad: a\u0001b']), 400, 'Bad Request'],
      ['a header without a colon', req('GET /auth/v1/health HTTP/1.1', ['no colon here']), 400, 'Bad Request'],
      ['a content length that is not a number', req('POST /rest/v1/rpc/my_context HTTP/1.1', ['Content-Length: abc']), 400, 'Bad Request'],
      ['a malformed %-escape as the function name', req('GET /rest/v1/rpc/%E0%A4%A HTTP/1.1'), 404, 'PGRST202'],
      ['a lone % as the function name', req('POST /rest/v1/rpc/% HTTP/1.1', ['Content-Type: application/json'], '{}'), 404, 'PGRST202'],
      ['a malformed %-escape as a table', req('GET /rest/v1/%ZZ%E0 HTTP/1.1'), 404, 'PGRST205'],
      ['a malformed %-escape in the broadcast path', req('POST /realtime/v1/api/broadcast/%E0%A4%A/events/%ZZ HTTP/1.1', ['Content-Type: application/json'], '{}'), 202, ''],
      ['upgrade with an authority-like target', upgrade('//x:99999/realtime/v1/websocket'), 404, 'no Route matched with those values'],
      ['upgrade with an absolute-form bad port', upgrade('http://x:99999/realtime/v1/websocket'), 400, 'Bad Request'],
      ['upgrade with a malformed %-escape', upgrade('/realtime/v1/websocket?apikey=%E0%A4%A'), 403, 'Forbidden'],
      ['upgrade without a key', upgrade('/realtime/v1/websocket'), 401, 'No API key found in request'],
      ['upgrade with a broken Sec-WebSocket-Key', upgrade(`/realtime/v1/websocket?apikey=${env.anonKey}`, ['Sec-WebSocket-Key: short']), 400, ''],
    ]
    it.each(cases)('%s → %i %s', async (_name, request, status, key) => {
      const r = await raw(request)
      expect(r.status, r.head).toBe(status)
      if (key)
        expect(keyOf(r.body), r.body).toBe(key)
      expect(r.body).not.toMatch(INTERNALS)
      await stillServing()
    })
  })

  describe('bodies and arguments', () => {
    const rpc = (init: RequestInit, fn = 'my_context'): Promise<Response> => api(`/rest/v1/rpc/${fn}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...init })
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['invalid JSON body', () => rpc({ body: '{"p":' }), 400, 'PGRST102'],
      ['a body that is not an object', () => rpc({ body: '[1,2]' }), 400, 'PGRST102'],
      ['a deeply nested argument', () => rpc({ body: `{"p_x":${deep()}}` }), 400, 'PGRST102'],
      ['a deeply nested object argument', () => rpc({ body: `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}` }), 400, 'PGRST102'],
      ['a body over 1 MB', () => rpc({ body: `{"p":"${'x'.repeat(1024 * 1024 + 10)}"}` }), 413, 'PGRST413'],
      ['a deeply nested GET argument', () => api(`/rest/v1/rpc/my_context?p_x=${encodeURIComponent(deep(200))}`), 400, 'PGRST100'],
      ['a deeply nested Postgres array literal', () => api(`/rest/v1/rpc/my_context?p_x=${'{'.repeat(200)}${'}'.repeat(200)}`), 400, 'PGRST100'],
      ['a NUL escape in a string argument', () => rpc({ body: '{"p_x":"a\\u0000b"}' }, 'no_such_fn'), 404, 'PGRST202'],
      ['a function name far longer than any identifier', () => rpc({ body: '{}' }, 'x'.repeat(8000)), 404, 'PGRST202'],
      ['invalid JSON to the broadcast endpoint', () => api('/realtime/v1/api/broadcast', { method: 'POST', body: '{' }), 400, 'Invalid JSON body'],
      ['deep JSON to the broadcast endpoint', () => api('/realtime/v1/api/broadcast', { method: 'POST', body: deep() }), 400, 'JSON is nested deeper than 64 levels'],
      ['invalid JSON to auth', () => api('/auth/v1/token?grant_type=password', { method: 'POST', body: '{' }), 400, 'bad_json'],
      ['deeply nested sign-up metadata', () => api('/auth/v1/signup', { method: 'POST', body: `{"email":"deep@test.example","password":"secret123","data":${deep()}}` }), 400, 'bad_json'],
      ['a body over 1 MB to auth', () => api('/auth/v1/signup', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 10) }), 413, 'request_too_large'],
    ]
    it.each(cases)('%s → %i %s', async (_name, send, status, key) => {
      const r = await send()
      const body = await r.text()
      expect(r.status, body).toBe(status)
      expect(keyOf(body), body).toBe(key)
      expect(body).not.toMatch(INTERNALS)
      await stillServing()
    })
  })

  it('answers 120 seeded random malformed requests with 2xx–4xx and no internals', async () => {
    const next = rng(20261201)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
    const prefixes = ['/', '//', '///', '/rest/v1/rpc/', '/rest/v1/', '/auth/v1/', '/auth/v1/admin/users/', '/realtime/v1/', '/realtime/v1/api/broadcast/', 'http://x:', '*', '']
    const alphabet = ['%', '%2', '%ZZ', '%E0%A4', '%00', ':', '/', '?', '#', '..', '=', '&', '[', '{', '"', 'a', '9', '99999', '学', ' ', '\t', '@']
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'BREW', 'G ET']
    const bodies = [(): string => '', (): string => '{', (): string => deep(300), (): string => `{"a":${deep(100)}}`, (): string => '{"email":1,"password":[]}', (): string => 'null', (): string => '"\\ud800"', (): string => `{"data":${'{"a":'.repeat(500)}1${'}'.repeat(501)}`, (): string => Array.from({ length: 64 }, () => String.fromCharCode(Math.floor(next() * 256))).join('')]
    for (let i = 0; i < 120; i++) {
      let target = pick(prefixes)
      const n = 1 + Math.floor(next() * 8)
      for (let j = 0; j < n; j++) target += pick(alphabet)
      const body = pick(bodies)()
      const headers = next() < 0.5 ? ['Content-Type: application/json'] : [`Authorization: Bearer ${pick(['x', 'a.b.c', 'e30.e30.', '', 'sb_secret_x'])}`]
      const r = await raw(req(`${pick(methods)} ${target} HTTP/1.1`, headers, body))
      expectClean(r)
      await stillServing()
    }
  })

  describe('websocket frames and payloads', () => {
    const open: WebSocket[] = []
    afterAll(() => {
      for (const s of open) s.terminate()
    })

    interface Peer { ws: WebSocket, frames: unknown[][], ask: (frame: string | Buffer, ref: string) => Promise<unknown[]> }

    async function peer(): Promise<Peer> {
      const ws = new WebSocket(WS_URL)
      open.push(ws)
      const frames: unknown[][] = []
      const waiters = new Map<string, (f: unknown[]) => void>()
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as unknown[]
        frames.push(f)
        if (f[3] === 'phx_reply')
          waiters.get(String(f[1]))?.(f)
      })
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', reject)
      })
      return {
        ws,
        frames,
        ask: (frame, ref) => new Promise((resolve) => {
          waiters.set(ref, resolve)
          ws.send(frame)
        }),
      }
    }

    let refs = 0
    const ref = (): string => `r${++refs}`
    const heartbeat = async (p: Peer): Promise<void> => {
      const r = ref()
      const reply = await p.ask(JSON.stringify([null, r, 'phoenix', 'heartbeat', {}]), r)
      expect(reply[4]).toEqual({ status: 'ok', response: {} })
    }
    const join = async (p: Peer, topic: string, config: object = {}): Promise<unknown[]> => {
      const r = ref()
      return p.ask(JSON.stringify([r, r, `realtime:${topic}`, 'phx_join', { config, access_token: env.anonKey }]), r)
    }
    /** Kind-3 binary "user broadcast push" with a JSON payload written as given. */
    const binaryPush = (joinRef: string, r: string, topic: string, event: string, payload: string): Buffer => {
      const strings = [joinRef, r, topic, event, '']
      return Buffer.concat([Buffer.from([3, ...strings.map(s => s.length), 1]), Buffer.from(strings.join(''), 'latin1'), Buffer.from(payload)])
    }

    it('drops frames it cannot decode and keeps answering the socket', async () => {
      const p = await peer()
      const next = rng(1301)
      const junk: Array<string | Buffer> = ['not json', '[1,2,3]', '{}', '[null,null,null,null,null]', '["1","2",3,4,{}]', deep(), Buffer.from([3, 200, 200, 200, 200, 200, 1]), Buffer.from([3]), Buffer.from([9, 1, 2, 3]), Buffer.from(Array.from({ length: 40 }, () => Math.floor(next() * 256)))]
      for (const frame of junk) {
        p.ws.send(frame)
        await heartbeat(p)
      }
      await stillServing()
    })

    it('refuses deep payloads in joins, broadcasts and presence with an error reply', async () => {
      const p = await peer()
      const r1 = ref()
      const joinReply = await p.ask(`["${r1}","${r1}","realtime:fuzz-deep","phx_join",{"config":${deep()}}]`, r1)
      expect(joinReply[4]).toEqual({ status: 'error', response: { reason: 'InvalidPayload: nested deeper than 64 levels' } })
      const joined = await join(p, 'fuzz-deep', { broadcast: { ack: true } })
      expect((joined[4] as { status: string }).status).toBe('ok')
      const jr = String(joined[0])
      const r2 = ref()
      const viaBinary = await p.ask(binaryPush(jr, r2, 'realtime:fuzz-deep', 'ev', deep()), r2)
      expect(viaBinary[4]).toMatchObject({ status: 'error' })
      const r3 = ref()
      const viaText = await p.ask(`["${jr}","${r3}","realtime:fuzz-deep","broadcast",{"type":"broadcast","event":"ev","payload":${deep()}}]`, r3)
      expect(viaText[4]).toMatchObject({ status: 'error' })
      const r4 = ref()
      const notMap = await p.ask(JSON.stringify([jr, r4, 'realtime:fuzz-deep', 'presence', { type: 'presence', event: 'track', payload: [1] }]), r4)
      expect(notMap[4]).toEqual({ status: 'error', response: { reason: 'Presence track payload must be a map' } })
      await heartbeat(p)
      await stillServing()
    })

    it('a deeply nested presence then a disconnect: refused, and the leave still reaches the others', async () => {
      const watcher = await peer()
      expect(((await join(watcher, 'fuzz-presence', { presence: { enabled: true } }))[4] as { status: string }).status).toBe('ok')
      const tracker = await peer()
      const joined = await join(tracker, 'fuzz-presence', { presence: { enabled: true, key: 'deep' } })
      const jr = String(joined[0])
      const r1 = ref()
      const refused = await tracker.ask(`["${jr}","${r1}","realtime:fuzz-presence","presence",{"type":"presence","event":"track","payload":{"a":${deep()}}}]`, r1)
      expect(refused[4]).toMatchObject({ status: 'error' })
      // As deep as the limit allows: accepted, kept, and encoded again for the diff on disconnect.
      const r2 = ref()
      const allowed = await tracker.ask(`["${jr}","${r2}","realtime:fuzz-presence","presence",{"type":"presence","event":"track","payload":{"a":${deep(58)}}}]`, r2)
      expect(allowed[4]).toEqual({ status: 'ok', response: {} })
      tracker.ws.close()
      const leave = (): unknown => watcher.frames.find(f => f[3] === 'presence_diff' && Object.keys((f[4] as { leaves: object }).leaves).includes('deep'))
      await expect.poll(leave).toBeTruthy()
      await heartbeat(watcher)
      await stillServing()
    })

    it('odd join payloads are answered; a socket may hold at most 100 channels', async () => {
      const p = await peer()
      const r1 = ref()
      const odd = await p.ask(JSON.stringify([r1, r1, 'realtime:fuzz-odd', 'phx_join', 'not an object']), r1)
      expect((odd[4] as { status: string }).status).toBe('ok')
      const r2 = ref()
      const oddConfig = await p.ask(JSON.stringify([r2, r2, 'realtime:fuzz-odd2', 'phx_join', { config: { broadcast: 5, presence: 'x', private: 'maybe', postgres_changes: {} } }]), r2)
      expect((oddConfig[4] as { status: string }).status).toBe('ok')
      for (let i = 0; i < 98; i++) await join(p, `fuzz-many-${i}`)
      const over = await join(p, 'fuzz-one-too-many')
      expect(over[4]).toEqual({ status: 'error', response: { reason: 'ChannelRateLimitReached: Too many channels' } })
      await heartbeat(p)
      await stillServing()
    })

    it('a frame over 1 MB closes that socket only (1009)', async () => {
      const p = await peer()
      const closed = new Promise<number>(resolve => p.ws.once('close', code => resolve(code)))
      p.ws.send('x'.repeat(1024 * 1024 + 1))
      expect(await closed).toBe(1009)
      await heartbeat(await peer())
      await stillServing()
    })

    it('survives 60 seeded random frames on a joined channel', async () => {
      const p = await peer()
      const joined = await join(p, 'fuzz-random', { presence: { enabled: true }, broadcast: { self: true } })
      const jr = String(joined[0])
      const next = rng(42)
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
      const events = ['broadcast', 'presence', 'access_token', 'phx_leave', 'phx_join', 'heartbeat', 'nonsense', '']
      const payloads = [(): unknown => ({}), (): unknown => null, (): unknown => 7, (): unknown => 'x', (): unknown => [{}], (): unknown => ({ type: 'presence', event: pick(['track', 'untrack', 'TRACK', 5]), payload: pick([{ a: 1 }, 'x', null, [1]]) }), (): unknown => ({ type: 'broadcast', event: pick(['e', 5, null]), payload: pick([{}, 'x', null]) }), (): unknown => ({ access_token: pick(['x', 'a.b.c', 'sb_x', 5, env.anonKey]) })]
      for (let i = 0; i < 60; i++) {
        const topic = pick(['realtime:fuzz-random', 'realtime:other', 'phoenix', '', 'realtime:'])
        p.ws.send(JSON.stringify([pick([jr, null, 5]), `x${i}`, topic, pick(events), pick(payloads)()]))
      }
      // Frames of one socket are handled in order: this answer comes after all of the above.
      await heartbeat(p)
      await stillServing()
    })
  })
})
