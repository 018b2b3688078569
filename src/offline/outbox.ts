import type { FailedEntry, OfflineDatabase, OutboxEntry } from './db'
import type { KindMap, OutboxKinds } from './kinds'
import { readonly, ref } from 'vue'
import { ApiError, RPC_TIMEOUT_MS, toApiError } from '@/api/client'
import { openOfflineDb } from './db'

/**
 * Sends one entry to the server; resolves with the server's answer once it acknowledged it.
 * `signal` aborts when the outbox gives up on this attempt (pass it to the API call).
 */
export type Sender<P = unknown, R = unknown> = (payload: P, ctx: { signal: AbortSignal }) => Promise<R>

/** Told of each entry the server acknowledged, with its answer (e.g. the feed swaps a greyed reply). */
export type SentListener<P = unknown, R = unknown> = (result: R, payload: P) => void

/**
 * The outbox's own limit on one send: the API client's limit plus room for what a sender does
 * around its call (a token refresh). A send past it is abandoned and retried later with the
 * same client-made id, so a request that never answers cannot hold the queue.
 */
export const SEND_TIMEOUT_MS = RPC_TIMEOUT_MS + 10_000

export interface OutboxOptions {
  dbName?: string
  /** first retry delay after a transient failure, doubled each time (ms) */
  baseDelay?: number
  maxDelay?: number
  /** safety net: look for pending entries this often (ms) */
  interval?: number
  /** give up on one send after this long (ms) and retry it later */
  sendTimeout?: number
  isOnline?: () => boolean
  /** the signed-in user; entries are sent only as the user who made them */
  owner?: () => string | null
  /** injectable for tests */
  schedule?: (fn: () => void, ms: number) => unknown
  cancel?: (handle: unknown) => void
}

/** A client-made UUID (crypto.randomUUID is missing outside secure contexts and in old WebViews). */
export function newId(): string {
  if (typeof crypto.randomUUID === 'function')
    return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0F) | 0x40
  b[8] = (b[8]! & 0x3F) | 0x80
  const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export function createOutbox<K extends KindMap<K> = OutboxKinds>(opts: OutboxOptions = {}) {
  type Kind = keyof K & string
  const baseDelay = opts.baseDelay ?? 2_000
  const maxDelay = opts.maxDelay ?? 5 * 60_000
  const isOnline = opts.isOnline ?? (() => typeof navigator === 'undefined' || navigator.onLine !== false)
  const schedule = opts.schedule ?? ((fn, ms) => setTimeout(fn, ms))
  const cancel = opts.cancel ?? (h => clearTimeout(h as ReturnType<typeof setTimeout>))
  let owner = opts.owner ?? (() => null)
  const mine = (e: { userId?: string | null }) => (e.userId ?? null) === owner()

  const sendTimeout = opts.sendTimeout ?? SEND_TIMEOUT_MS
  const senders = new Map<string, Sender>()
  const listeners = new Map<string, Set<SentListener>>()
  const pending = ref(0)
  const failed = ref<FailedEntry[]>([])
  /** consecutive transient failures; drives the back-off */
  let failures = 0
  let retryHandle: unknown = null
  let flushing: Promise<void> | null = null
  /** flush() was called while a run was under way */
  let again = false
  let dbp: Promise<OfflineDatabase> | null = null
  const db = () => (dbp ??= openOfflineDb(opts.dbName))

  async function refresh() {
    const d = await db()
    pending.value = (await d.getAll('outbox')).filter(mine).length
    failed.value = (await d.getAll('failed')).filter(mine)
  }

  function scheduleRetry() {
    if (retryHandle !== null)
      return
    const delay = Math.min(baseDelay * 2 ** Math.max(0, failures - 1), maxDelay)
    retryHandle = schedule(() => {
      retryHandle = null
      void flush()
    }, delay)
  }

  async function enqueue<T extends Kind>(kind: T, payload: K[T]['payload']): Promise<number> {
    const entry: OutboxEntry = { kind, payload: payload as unknown as Record<string, unknown>, createdAt: Date.now(), attempts: 0, userId: owner() }
    const seq = await (await db()).add('outbox', entry)
    await refresh()
    void flush()
    return seq
  }

  function registerSender<T extends Kind>(kind: T, fn: Sender<K[T]['payload'], K[T]['result']>) {
    senders.set(kind, fn as Sender)
    void flush()
  }

  /** Listen for acknowledged entries of one kind; returns the function that stops listening. */
  function onSent<T extends Kind>(kind: T, fn: SentListener<K[T]['payload'], K[T]['result']>): () => void {
    const set = listeners.get(kind) ?? new Set()
    listeners.set(kind, set)
    set.add(fn as SentListener)
    return () => set.delete(fn as SentListener)
  }

  /** This user's entries of one kind still waiting on this phone, oldest first (a screen shows them greyed). */
  // (`userId` for a screen that may open before the outbox is told who is signed in)
  async function queued<T extends Kind>(kind: T, userId: string | null = owner()): Promise<K[T]['payload'][]> {
    const all = await (await db()).getAll('outbox')
    return all.filter(e => e.kind === kind && (e.userId ?? null) === userId).map(e => e.payload as unknown as K[T]['payload'])
  }

  /** One attempt, abandoned (and its request aborted) once it has taken `sendTimeout`. */
  function attempt(send: Sender, payload: unknown): Promise<unknown> {
    const ctrl = new AbortController()
    let handle: unknown = null
    const limit = new Promise<never>((_, reject) => {
      handle = schedule(() => {
        ctrl.abort('timeout')
        reject(new ApiError('network', 0, 'outbox: no answer within the time limit'))
      }, sendTimeout)
    })
    return Promise.race([send(payload, { signal: ctrl.signal }), limit]).finally(() => cancel(handle))
  }

  /**
   * Send everything that can be sent, oldest first. Concurrent calls share one run, but a call
   * made while a run is under way gets one more run after it: that run may have looked at the
   * network or the queue before what prompted the call (the online event, a new entry, a sender
   * registered) and would otherwise swallow it until the next safety-net tick.
   */
  function flush(): Promise<void> {
    if (flushing) {
      again = true
      return flushing
    }
    flushing = (async () => {
      for (;;) {
        again = false
        // a storage failure (private mode, the database closed under us) leaves entries for next time
        await run().catch(() => {})
        // a transient failure scheduled a retry: the back-off decides when, not the extra call
        if (!again || retryHandle !== null)
          break
      }
    })().finally(() => {
      flushing = null
    })
    return flushing
  }

  async function run() {
    const d = await db()
    if (!isOnline()) {
      await refresh()
      return
    }
    const entries = await d.getAll('outbox')
    // What the screen says is waiting is what this phone holds, also while the first send is out
    // (after a reload the count would otherwise stay 0 until that send settled).
    pending.value = entries.filter(mine).length
    failed.value = (await d.getAll('failed')).filter(mine)
    // An entry whose kind has no sender yet waits; later entries of that kind wait behind it.
    const blocked = new Set<string>()
    for (const entry of entries) {
      // Another account's writes wait for that account to sign in again on this phone.
      if (!mine(entry))
        continue
      const send = senders.get(entry.kind)
      if (!send || blocked.has(entry.kind)) {
        blocked.add(entry.kind)
        continue
      }
      let result: unknown
      try {
        result = await attempt(send, entry.payload)
      }
      catch (err) {
        const e = toApiError(err)
        if (e.transient || e.key === 'auth.expired') {
          // Keep it and everything after it; try again later.
          failures++
          await d.put('outbox', { ...entry, attempts: entry.attempts + 1 })
          await refresh()
          scheduleRetry()
          return
        }
        // Refused by the server: keep it for the user to see, never drop it silently.
        const tx = d.transaction(['outbox', 'failed'], 'readwrite')
        await Promise.all([
          tx.objectStore('failed').put({ ...entry, seq: entry.seq!, attempts: entry.attempts + 1, failedAt: Date.now(), error: { key: e.key, status: e.status, message: e.message } }),
          tx.objectStore('outbox').delete(entry.seq!),
          tx.done,
        ])
        continue
      }
      // Acknowledged: only now is it removed. A crash before this line resends the same id.
      await d.delete('outbox', entry.seq!)
      failures = 0
      pending.value = Math.max(0, pending.value - 1)
      listeners.get(entry.kind)?.forEach((fn) => {
        try {
          fn(result, entry.payload)
        }
        catch {
          // a screen's listener failing must not stop the queue
        }
      })
    }
    await refresh()
  }

  /** Put a refused entry back at the end of the queue (e.g. after the user fixed the cause). */
  async function retryFailed(seq: number) {
    const d = await db()
    const entry = await d.get('failed', seq)
    if (!entry)
      return
    await d.add('outbox', { kind: entry.kind, payload: entry.payload, createdAt: entry.createdAt, attempts: 0, userId: entry.userId })
    await d.delete('failed', seq)
    await refresh()
    void flush()
  }

  async function discardFailed(seq: number) {
    await (await db()).delete('failed', seq)
    await refresh()
  }

  const onOnline = () => {
    failures = 0
    if (retryHandle !== null) {
      cancel(retryHandle)
      retryHandle = null
    }
    void flush()
  }
  let intervalId: ReturnType<typeof setInterval> | null = null

  /** Flush now, whenever the network returns, and every `interval` ms as a safety net. */
  function start() {
    if (typeof window !== 'undefined')
      window.addEventListener('online', onOnline)
    intervalId = setInterval(() => {
      if (pending.value > 0 && retryHandle === null)
        void flush()
    }, opts.interval ?? 60_000)
    return flush()
  }

  function stop() {
    if (typeof window !== 'undefined')
      window.removeEventListener('online', onOnline)
    if (intervalId)
      clearInterval(intervalId)
    if (retryHandle !== null)
      cancel(retryHandle)
    retryHandle = null
  }

  /** Tell the outbox who is signed in; that user's pending writes are sent. */
  function setOwner(fn: () => string | null) {
    owner = fn
    void flush()
  }

  /** Stop and close the database (a send in flight is abandoned, as when the app is killed). */
  async function close() {
    stop()
    if (dbp)
      (await dbp).close()
  }

  return {
    pending: readonly(pending),
    failed: readonly(failed),
    enqueue,
    registerSender,
    onSent,
    queued,
    flush,
    retryFailed,
    discardFailed,
    refresh,
    start,
    stop,
    close,
    setOwner,
    onOnline,
  }
}

export type Outbox = ReturnType<typeof createOutbox<OutboxKinds>>

/** The app's outbox. */
export const outbox = createOutbox()

export const enqueue = outbox.enqueue
export const registerSender = outbox.registerSender
export const onSent = outbox.onSent
export const flush = outbox.flush

/** `{ pending, failed }` refs for badges and the failed list. */
export function usePendingCount() {
  return { pending: outbox.pending, failed: outbox.failed }
}
