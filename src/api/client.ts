import type { RealtimeChannel, Session, SupabaseClient } from '@supabase/supabase-js'
import { PostgrestClient } from '@supabase/postgrest-js'
// relative, not '@/': the SQL suites import src/api without the app's aliases
import { readStored } from '../offline/stored'
import { AUTH_STORAGE_KEY, EARLY_CALLS_GLOBAL, EXPIRY_MARGIN_MS, LOCAL_ANON_KEY, LOCAL_URL } from './local'
import { noteAnswer, noteNoAnswer, setReachabilityProbe } from './reachability'

export { AUTH_STORAGE_KEY }
export const SUPABASE_URL = import.meta.env.VITE_SUPABASE_URL || LOCAL_URL
export const SUPABASE_ANON_KEY = import.meta.env.VITE_SUPABASE_ANON_KEY || LOCAL_ANON_KEY

/** How long the reachability probe waits for the server's health answer. */
const PROBE_TIMEOUT_MS = 10_000

// any HTTP answer of the auth server's health check means the server is reachable again
setReachabilityProbe(async () => {
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort(), PROBE_TIMEOUT_MS)
  try {
    await fetch(`${SUPABASE_URL}/auth/v1/health`, { headers: { apikey: SUPABASE_ANON_KEY }, cache: 'no-store', signal: ctrl.signal })
  }
  finally {
    clearTimeout(timer)
  }
})

let client: Promise<SupabaseClient> | null = null
let loaded: SupabaseClient | null = null
const onLoad = new Set<() => void>()

/**
 * The one supabase client of the app, for auth and realtime. Only files in src/api use it.
 * supabase-js (~52 KB gzipped) is loaded on first use, not with the first screen: the router
 * only needs `storedSession()`, and data calls (`rpc`) need only a valid access token.
 */
export function getSupabase(): Promise<SupabaseClient> {
  client ??= import('@supabase/supabase-js').then(({ createClient }) => createClient(SUPABASE_URL, SUPABASE_ANON_KEY, {
    auth: {
      storageKey: AUTH_STORAGE_KEY,
      persistSession: true,
      autoRefreshToken: true,
      detectSessionInUrl: false,
    },
  })).then((c) => {
    loaded = c
    onLoad.forEach(fn => fn())
    return c
  })
  return client
}

/** Run `fn` once supabase-js is loaded (now, if it is): the session store follows auth events from then on. */
export function whenSupabaseLoaded(fn: () => void): void {
  if (loaded)
    fn()
  else
    onLoad.add(fn)
}

/**
 * Join private realtime channels (`topic:…`, `session:…`, `org:…`) once supabase-js is loaded and
 * the socket carries the member's token; `setup` adds the listeners before joining. Returns the
 * unsubscribe function, which may be called before the channels were even created.
 */
export function joinChannels(names: string[], setup: (channel: RealtimeChannel) => void): () => void {
  let closed = false
  let joined: RealtimeChannel[] = []
  void (async () => {
    const client = await getSupabase()
    const { data } = await client.auth.getSession()
    await client.realtime.setAuth(data.session?.access_token ?? null)
    if (closed)
      return
    joined = [...new Set(names)].map((name) => {
      const channel = client.channel(name, { config: { private: true } })
      setup(channel)
      // supabase-js hands back the same channel for the same name: join it only once
      if (channel.state === 'closed')
        channel.subscribe()
      return channel
    })
  })().catch(() => {})
  return () => {
    closed = true
    joined.forEach(c => void loaded?.removeChannel(c))
  }
}

/** The session supabase-js keeps in localStorage, read without loading supabase-js. */
export function storedSession(): Session | null {
  const s = readStored<Session | null>(AUTH_STORAGE_KEY, null)
  return s && typeof s.access_token === 'string' && s.user ? s : null
}

/**
 * What every API call throws. `key` is stable and maps to the i18n key `errors.<key>`:
 * the SQL error message when it looks like `area.key` (e.g. `checkin.code_expired`),
 * else `network` (no answer), `auth.expired` (token refused), or `unknown`.
 */
export class ApiError extends Error {
  constructor(
    readonly key: string,
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Worth retrying later: no answer, a server hiccup or rate limit; not a refusal. */
  get transient(): boolean {
    return this.key === 'network' || this.status >= 500 || this.status === 429 || this.status === 0
  }
}

const KEY_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$/

interface ErrorLike { message?: string, code?: string, status?: number, name?: string }

/** Turn whatever supabase-js (or fetch) gave us into an ApiError. */
export function toApiError(err: unknown, status = 0): ApiError {
  if (err instanceof ApiError)
    return err
  const e = (err ?? {}) as ErrorLike
  const message = (typeof e.message === 'string' ? e.message : String(err)).trim()
  const st = typeof e.status === 'number' ? e.status : status
  if (KEY_RE.test(message))
    return new ApiError(message, st, message)
  if (st === 401 || /^PGRST30\d$/.test(e.code ?? ''))
    return new ApiError('auth.expired', st || 401, message)
  if (st === 0 || /failed to fetch|fetch failed|networkerror|network request failed|load failed/i.test(message) || e.name === 'AuthRetryableFetchError')
    return new ApiError('network', 0, message)
  return new ApiError('unknown', st, message)
}

type AuthExpiredListener = () => void
const authExpiredListeners = new Set<AuthExpiredListener>()

/** The session store listens here: a refused token sends the user to sign-in. */
export function onAuthExpired(fn: AuthExpiredListener): () => void {
  authExpiredListeners.add(fn)
  return () => authExpiredListeners.delete(fn)
}

/**
 * The token to call the API with: the stored one while it is comfortably valid (no need to load
 * supabase-js for that), else supabase-js's session, which refreshes it. null when signed out.
 */
async function accessToken(): Promise<string | null> {
  if (!loaded) {
    const stored = storedSession()
    if (!stored)
      return null
    if ((stored.expires_at ?? 0) * 1000 - Date.now() > EXPIRY_MARGIN_MS)
      return stored.access_token
  }
  const { data } = await (await getSupabase()).auth.getSession()
  return data.session?.access_token ?? null
}

/**
 * The answer index.html already asked for while the scripts downloaded (the first screen's call,
 * without arguments, made with the stored token), taken once; else the browser's fetch.
 */
function fetchFor(fn: string, args?: Record<string, unknown>): typeof fetch {
  const early = (globalThis as unknown as Record<string, Record<string, Promise<Response>> | undefined>)[EARLY_CALLS_GLOBAL]
  const answer = !args || Object.keys(args).length === 0 ? early?.[fn] : undefined
  if (!answer)
    return fetch
  delete early![fn]
  let taken = false
  // postgrest-js may retry: only its first request is the one already on its way
  return (input, init) => {
    if (taken)
      return fetch(input, init)
    taken = true
    return answer
  }
}

/**
 * How long one API call may take before it is abandoned. On a weak rural connection a request
 * can hang without ever failing; 20 s leaves a slow but working answer time to arrive (a first
 * page is a few KB) and still gives the member, or the outbox, an error to act on.
 */
export const RPC_TIMEOUT_MS = 20_000

export interface RpcOptions {
  /** abandon the call when this aborts (the outbox's own time limit, a screen left) */
  signal?: AbortSignal
  timeoutMs?: number
}

/** Rejects with a network ApiError once `signal` aborts; never settles otherwise. */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new ApiError('network', 0, `timeout: ${String(signal.reason ?? 'aborted')}`))
    if (signal.aborted)
      fail()
    else
      signal.addEventListener('abort', fail, { once: true })
  })
}

/**
 * Call a `public` SQL function. Returns its data or throws ApiError.
 * Every wrapper in src/api/<area>.ts is built on this. It is supabase-js's own PostgREST client
 * (postgrest-js, ~5 KB), given the member's token: the first screen's data does not wait for the
 * rest of supabase-js to download and start. Past the time limit (or when `opts.signal` aborts)
 * the request is aborted and the call throws `network`: a write is then safe to retry, because
 * every write that may be retried carries its client-made id.
 */
export async function rpc<T>(fn: string, args?: Record<string, unknown>, opts: RpcOptions = {}): Promise<T> {
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort('timeout'), opts.timeoutMs ?? RPC_TIMEOUT_MS)
  const onOuterAbort = () => ctrl.abort(opts.signal?.reason ?? 'aborted')
  if (opts.signal?.aborted)
    onOuterAbort()
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true })
  let res
  try {
    // the token (a refresh may be on its way) is inside the limit too, not only the request
    res = await Promise.race([(async () => {
      const token = await accessToken()
      const rest = new PostgrestClient(`${SUPABASE_URL}/rest/v1`, {
        headers: { apikey: SUPABASE_ANON_KEY, Authorization: `Bearer ${token ?? SUPABASE_ANON_KEY}` },
        fetch: fetchFor(fn, args),
      })
      return await rest.rpc(fn, args ?? {}).abortSignal(ctrl.signal)
    })(), whenAborted(ctrl.signal)])
  }
  catch (err) {
    const e = toApiError(err, 0)
    // a call the screen abandoned says nothing about the server; one that timed out does
    if (e.key === 'network' && !opts.signal?.aborted)
      noteNoAnswer()
    throw e
  }
  finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }
  // postgrest-js answers a request that got no answer with status 0
  if (res.status === 0) {
    if (!opts.signal?.aborted)
      noteNoAnswer()
  }
  else {
    noteAnswer()
  }
  if (res.error) {
    const e = toApiError(res.error, res.status)
    if (e.key === 'auth.expired')
      authExpiredListeners.forEach(fn => fn())
    throw e
  }
  return res.data as T
}
