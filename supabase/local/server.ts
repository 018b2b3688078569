// One HTTP port for the whole stack, laid out like the Supabase gateway: /auth/v1, /rest/v1, /realtime/v1.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Db } from './db'
import type { StackContext } from './context'
import type { StackKeys } from './keys'
import { handleAuth } from './auth'
import type { AuthOptions } from './auth-runtime'
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

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  // What supabase-js sends (apikey, x-client-info, prefer, profiles, api version, retry count …).
  'Access-Control-Allow-Headers': 'authorization, apikey, x-client-info, content-type, accept, accept-profile, content-profile, prefer, range, x-supabase-api-version, x-retry-count, x-upsert, cache-control',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Profile, Content-Location, Location, Preference-Applied, Range-Unit, X-Supabase-Api-Version, x-sb-error-code, x-total-count, link, Proxy-Status',
  'Access-Control-Max-Age': '86400',
}

function applyCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*')
  if (origin) res.setHeader('Vary', 'Origin')
  for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v)
  const requested = req.headers['access-control-request-headers']
  // Echo anything else the browser asks for, so a new client header never breaks preflight.
  if (typeof requested === 'string' && requested) res.setHeader('Access-Control-Allow-Headers', `${CORS_HEADERS['Access-Control-Allow-Headers']}, ${requested}`)
}

function split(url: string | undefined): { path: string, query: URLSearchParams } {
  const u = new URL(url ?? '/', 'http://localhost')
  return { path: u.pathname, query: u.searchParams }
}

function under(path: string, prefix: string): string | undefined {
  if (path === prefix) return '/'
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

  const server = createServer((req, res) => {
    const { path, query } = split(req.url)
    applyCors(req, res)
    const done = (p: Promise<void>): void => {
      p.catch((e: unknown) => {
        console.error('[server]', e)
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' })
        else res.end()
      })
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Content-Length': '0' })
      res.end()
      return
    }
    let sub: string | undefined
    if ((sub = under(path, '/auth/v1')) !== undefined) return done(handleAuth(ctx, req, res, sub, query))
    if ((sub = under(path, '/rest/v1')) !== undefined) return done(rest.handle(req, res, sub, query))
    if ((sub = under(path, '/realtime/v1')) !== undefined) return done(realtime.handleHttp(req, res, sub, query))
    // The development SMS outbox (the local stack's mail catcher for SMS); Supabase has no such route.
    if (req.method === 'GET' && (path === '/sms' || path === '/sms.json')) return ctx.auth.sms.respond(res, path === '/sms' ? 'html' : 'json', query.get('phone') ?? undefined)
    sendJson(res, 404, { message: 'no Route matched with those values' })
  })
  server.on('upgrade', (req, socket, head) => {
    const { path, query } = split(req.url)
    const sub = under(path, '/realtime/v1')
    if (sub === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    try {
      realtime.handleUpgrade(req, socket, head, sub, query)
    }
    catch (e) {
      console.error('[realtime] upgrade', e)
      socket.destroy()
    }
  })
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
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
