import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { AuthOptions } from './auth-runtime'
import type { StackContext } from './context'
import type { Db } from './db'
import type { StackKeys } from './keys'
// One HTTP port for the whole stack, laid out like the Supabase gateway: /auth/v1, /rest/v1, /realtime/v1.
import { createServer } from 'node:http'
import { handleAuth } from './auth'
import { createAuthRuntime } from './auth-runtime'
import { sendJson } from './http'
import { loadKeys } from './keys'
import { RealtimeServer } from './realtime'
import { RestApi } from './rest'

export interface ServerOptions {
  db: Db
  port?: number
  host?: string
  keys?: StackKeys
  /** Access-token lifetime in seconds; defaults to `JWT_EXPIRY` or 3600. */
  jwtExpiry?: number
  /** Overrides of config.toml's [auth] settings, and the clock (tests). */
  auth?: AuthOptions
}

export interface RunningServer {
  url: string
  keys: StackKeys
  /** Re-reads the exposed functions (PostgREST's schema cache reload). */
  reloadSchema: () => Promise<void>
  close: () => Promise<void>
}

/** On every response (Kong's cors plugin: origin, exposed headers, Vary). */
const EXPOSE_HEADERS = 'Content-Range, Content-Profile, Content-Location, Location, Preference-Applied, Range-Unit, X-Supabase-Api-Version, x-sb-error-code, x-total-count, link, Proxy-Status'
/** Only on a preflight's answer, where a browser reads them; on other responses they are ignored. */
const PREFLIGHT_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  // What supabase-js sends (apikey, x-client-info, prefer, profiles, api version, retry count …).
  'Access-Control-Allow-Headers': 'authorization, apikey, x-client-info, content-type, accept, accept-profile, content-profile, prefer, range, x-supabase-api-version, x-retry-count, x-upsert, cache-control',
  'Access-Control-Max-Age': '86400',
}

function applyCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*')
  if (origin)
    res.setHeader('Vary', 'Origin')
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS)
}

/** The answer to every OPTIONS request. */
function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  for (const [k, v] of Object.entries(PREFLIGHT_HEADERS)) res.setHeader(k, v)
  const requested = req.headers['access-control-request-headers']
  // Echo anything else the browser asks for, so a new client header never breaks preflight.
  if (typeof requested === 'string' && requested)
    res.setHeader('Access-Control-Allow-Headers', `${PREFLIGHT_HEADERS['Access-Control-Allow-Headers']}, ${requested}`)
  res.writeHead(204, { 'Content-Length': '0' })
  res.end()
}

/**
 * The request target as the gateway routes it: the raw path before `?` (never `new URL(target, base)`,
 * which reads `//host:port/…` as an authority and throws on a bad port). Absolute-form targets are
 * accepted as HTTP/1.1 requires; anything else (`*`, garbage) is undefined → 400.
 */
export function splitTarget(target: string | undefined): { path: string, query: URLSearchParams } | undefined {
  const raw = target ?? '/'
  const q = raw.indexOf('?')
  const pathPart = q < 0 ? raw : raw.slice(0, q)
  const queryPart = q < 0 ? '' : raw.slice(q + 1)
  if (pathPart.startsWith('/'))
    return { path: pathPart, query: new URLSearchParams(queryPart) }
  if (!/^https?:\/\//i.test(pathPart))
    return undefined
  try {
    return { path: new URL(pathPart).pathname, query: new URLSearchParams(queryPart) }
  }
  catch {
    return undefined
  }
}

/**
 * Only for the stack's own process (cli.ts), never inside a test runner: an error that escaped every
 * handler is logged and the server keeps serving the other requests, as a gateway would.
 */
export function installLastResortGuard(): void {
  process.on('uncaughtException', (e: unknown) => console.error('[stack] uncaught exception (kept running)', e))
  process.on('unhandledRejection', (e: unknown) => console.error('[stack] unhandled rejection (kept running)', e))
}

function under(path: string, prefix: string): string | undefined {
  if (path === prefix)
    return '/'
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const keys = opts.keys ?? await loadKeys()
  const envExpiry = Number(process.env.JWT_EXPIRY)
  const ctx: StackContext = {
    db: opts.db,
    keys,
    jwtExpiry: opts.jwtExpiry ?? (Number.isFinite(envExpiry) && envExpiry > 0 ? envExpiry : 3600),
    auth: createAuthRuntime(opts.auth),
  }
  const rest = new RestApi(ctx)
  await rest.reload()
  const realtime = new RealtimeServer(ctx)
  await realtime.start()
  // `notify pgrst, 'reload schema'` is how migrations ask PostgREST to re-read the schema.
  const unlistenPgrst = await opts.db.listen('pgrst', () => {
    rest.reload().catch((e: unknown) => console.error('[rest] reload', e))
  })

  // The last line of defence of every handler: whatever escaped is logged here and answered with a
  // body that says nothing about the stack's insides.
  const failed = (res: ServerResponse, e: unknown): void => {
    console.error('[server]', e)
    if (!res.headersSent)
      sendJson(res, 500, { message: 'Internal Server Error' })
    else res.destroy()
  }
  const done = (res: ServerResponse, p: Promise<void>): void => {
    p.catch((e: unknown) => failed(res, e))
  }
  const server = createServer((req, res) => {
    try {
      applyCors(req, res)
      if (req.method === 'OPTIONS')
        return answerPreflight(req, res)
      const target = splitTarget(req.url)
      if (!target)
        return sendJson(res, 400, { message: 'Bad Request' })
      const { path, query } = target
      const authPath = under(path, '/auth/v1')
      if (authPath !== undefined)
        return done(res, handleAuth(ctx, req, res, authPath, query))
      const restPath = under(path, '/rest/v1')
      if (restPath !== undefined)
        return done(res, rest.handle(req, res, restPath, query))
      const realtimePath = under(path, '/realtime/v1')
      if (realtimePath !== undefined)
        return done(res, realtime.handleHttp(req, res, realtimePath, query))
      // The development SMS outbox (the local stack's mail catcher for SMS); Supabase has no such route.
      if (req.method === 'GET' && (path === '/sms' || path === '/sms.json'))
        return ctx.auth.sms.respond(res, path === '/sms' ? 'html' : 'json', query.get('phone') ?? undefined)
      sendJson(res, 404, { message: 'no Route matched with those values' })
    }
    catch (e) {
      failed(res, e)
    }
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket over nothing else listens for its errors, and an unheard 'error'
    // (a client resetting mid-handshake) would end the process.
    socket.on('error', (e: Error) => console.error('[realtime] upgrade socket', e.message))
    const refuse = (status: string, message: string): void => {
      const body = JSON.stringify({ message })
      if (socket.writable)
        socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      else socket.destroy()
    }
    try {
      const target = splitTarget(req.url)
      if (!target)
        return refuse('400 Bad Request', 'Bad Request')
      const sub = under(target.path, '/realtime/v1')
      if (sub === undefined)
        return refuse('404 Not Found', 'no Route matched with those values')
      realtime.handleUpgrade(req, socket, head, sub, target.query)
    }
    catch (e) {
      console.error('[realtime] upgrade', e)
      refuse('500 Internal Server Error', 'Internal Server Error')
    }
  })
  server.on('clientError', (_e, socket) => {
    if (socket.writable) {
      const body = JSON.stringify({ message: 'Bad Request' })
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    }
    else {
      socket.destroy()
    }
  })
  // Keep-alive sockets would otherwise hold close() open for the client's idle timeout.
  server.keepAliveTimeout = 5_000

  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    keys,
    reloadSchema: () => rest.reload(),
    close: async () => {
      await realtime.close()
      await unlistenPgrst()
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
