// Whether the server answers, as the app has last seen it. navigator.onLine only says the phone
// has a network: on weak signal, behind a wifi that needs a sign-in page, or when a reload comes
// from the service worker's copy, it stays true while every request fails. So every API call
// reports here whether an answer came (any answer, a refusal too); after a call that got none, a
// probe asks the server again, soon and then less often, until one comes, so that the offline
// banner goes away by itself once the signal is back.

type Listener = (reachable: boolean) => void

/** the probe's waits after a call that got no answer: 3 s, doubling up to 30 s */
export const PROBE_FIRST_MS = 3_000
export const PROBE_MAX_MS = 30_000

let reachable = true
let probe: (() => Promise<unknown>) | null = null
let timer: ReturnType<typeof setTimeout> | null = null
let wait = PROBE_FIRST_MS
const listeners = new Set<Listener>()

function set(value: boolean): void {
  if (reachable === value)
    return
  reachable = value
  listeners.forEach(fn => fn(value))
}

function schedule(): void {
  if (timer || !probe)
    return
  timer = setTimeout(() => {
    timer = null
    if (reachable)
      return
    wait = Math.min(wait * 2, PROBE_MAX_MS)
    ask()
  }, wait)
}

function ask(): void {
  probe?.().then(noteAnswer, () => noteNoAnswer())
}

/** The server answered a call (whatever the answer said). */
export function noteAnswer(): void {
  if (timer)
    clearTimeout(timer)
  timer = null
  wait = PROBE_FIRST_MS
  set(true)
}

/** A call got no answer (no network, refused connection, timed out). */
export function noteNoAnswer(): void {
  set(false)
  schedule()
}

/**
 * How to ask the server whether it answers: resolves on any HTTP answer, rejects on none.
 * Set once by the API client.
 */
export function setReachabilityProbe(fn: () => Promise<unknown>): void {
  probe = fn
}

/** Ask now rather than at the next scheduled probe (the phone says it is back online). */
export function probeNow(): void {
  if (reachable || !probe)
    return
  if (timer)
    clearTimeout(timer)
  timer = null
  ask()
}

export function serverReachable(): boolean {
  return reachable
}

export function onReachabilityChange(fn: Listener): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}
