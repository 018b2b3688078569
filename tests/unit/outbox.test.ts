// @vitest-environment happy-dom
import type { OutboxOptions } from '@/offline/outbox'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { createOutbox } from '@/offline/outbox'
import 'fake-indexeddb/auto'

interface TestPayload { id: string, bad?: boolean }
type TestKinds = Record<'t.tick' | 't.note' | 't.checkin' | 'a.x' | 'b.y', { payload: TestPayload, result: { id: string } }>
/** the send limit in these tests; timers of this length are the limit's, others the back-off's */
const LIMIT = 30_000

/** A fake server: idempotent by id, counting what it received. */
function fakeServer() {
  const seen = new Map<string, number>()
  const order: string[] = []
  let mode: 'ok' | 'down' | 'ack-lost' = 'ok'
  return {
    seen,
    order,
    get mode() {
      return mode
    },
    set mode(m: typeof mode) {
      mode = m
    },
    async send(p: TestPayload) {
      if (mode === 'down')
        throw new ApiError('network', 0, 'Failed to fetch')
      const id = p.id as string
      if (p.bad)
        throw new ApiError('checkin.code_expired', 400, 'checkin.code_expired')
      seen.set(id, (seen.get(id) ?? 0) + 1)
      if (!order.includes(id))
        order.push(id)
      if (mode === 'ack-lost')
        throw new ApiError('network', 0, 'connection reset') // stored, but the answer never arrived
      return { id }
    },
  }
}

/**
 * A scheduler the test drives by hand. `delays` records each back-off delay asked for; the send
 * limit's timers (LIMIT ms) are kept apart, fired by `expire()`.
 */
function manualClock() {
  const delays: number[] = []
  const timers = new Map<number, { fn: () => void, ms: number }>()
  let id = 0
  const take = (limit: boolean) => {
    const found = [...timers].reverse().find(([, t]) => (t.ms === LIMIT) === limit)
    if (!found)
      return false
    timers.delete(found[0])
    found[1].fn()
    return true
  }
  return {
    delays,
    schedule: ((fn: () => void, ms: number) => {
      if (ms !== LIMIT)
        delays.push(ms)
      timers.set(++id, { fn, ms })
      return id
    }) as OutboxOptions['schedule'],
    cancel: ((h: unknown) => { timers.delete(h as number) }) as OutboxOptions['cancel'],
    /** the back-off timer runs out */
    fire: () => take(false),
    /** the send in flight reaches its time limit */
    expire: () => take(true),
    limitsRunning: () => [...timers.values()].filter(t => t.ms === LIMIT).length,
  }
}

let n = 0
const boxes: ReturnType<typeof createOutbox<TestKinds>>[] = []
function make(opts: OutboxOptions = {}, name?: string) {
  const box = createOutbox<TestKinds>({ dbName: name ?? `test-${++n}`, interval: 1e9, sendTimeout: LIMIT, ...opts })
  boxes.push(box)
  return box
}

afterEach(async () => {
  await Promise.all(boxes.splice(0).map(b => b.close()))
})

describe('outbox', () => {
  it('sends in the order entries were queued and empties', async () => {
    const server = fakeServer()
    const box = make({ isOnline: () => false })
    box.registerSender('t.tick', p => server.send(p))
    for (const id of ['a', 'b', 'c', 'd'])
      await box.enqueue('t.tick', { id })
    expect(box.pending.value).toBe(4)
    const online = make({}, `test-${n}`)
    online.registerSender('t.tick', p => server.send(p))
    await online.flush()
    expect(server.order).toEqual(['a', 'b', 'c', 'd'])
    expect(online.pending.value).toBe(0)
  })

  it('sends a write only as the account that made it (a shared phone)', async () => {
    const server = fakeServer()
    let user: string | null = 'teacher-a'
    const box = make({ isOnline: () => false, owner: () => user })
    box.registerSender('t.tick', p => server.send(p))
    await box.enqueue('t.tick', { id: 'by-a' })
    user = 'teacher-b'
    await box.enqueue('t.tick', { id: 'by-b' })
    expect(box.pending.value).toBe(1)
    const online = make({ owner: () => user }, `test-${n}`)
    online.registerSender('t.tick', p => server.send(p))
    await online.flush()
    expect(server.order).toEqual(['by-b'])
    user = 'teacher-a'
    await online.flush()
    expect(server.order).toEqual(['by-b', 'by-a'])
    expect(online.pending.value).toBe(0)
  })

  it('keeps everything while offline and sends on the online event', async () => {
    const server = fakeServer()
    let online = false
    const box = make({ isOnline: () => online })
    box.registerSender('t.tick', p => server.send(p))
    await box.enqueue('t.tick', { id: 'x1' })
    await box.enqueue('t.tick', { id: 'x2' })
    await box.flush()
    expect(server.seen.size).toBe(0)
    expect(box.pending.value).toBe(2)
    online = true
    box.onOnline()
    await box.flush()
    expect(server.order).toEqual(['x1', 'x2'])
    expect(box.pending.value).toBe(0)
  })

  it('sends when the network returns while a run that found it offline is still finishing (the online event is not lost)', async () => {
    const server = fakeServer()
    let online = false
    let stale = false
    const box = make({
      // the network returns (and its event fires) just after a run decided it was offline, as
      // when the app's senders load, each asking for a flush, right as the signal comes back
      isOnline: () => {
        const was = online
        if (stale) {
          stale = false
          online = true
          box.onOnline()
        }
        return was
      },
    })
    box.registerSender('t.tick', p => server.send(p))
    await box.enqueue('t.tick', { id: 'late' })
    expect(server.seen.size).toBe(0)
    stale = true
    await box.flush()
    expect(server.order).toEqual(['late'])
    expect(box.pending.value).toBe(0)
  })

  it('backs off exponentially while the server cannot be reached, then recovers', async () => {
    const server = fakeServer()
    server.mode = 'down'
    const clock = manualClock()
    const box = make({ baseDelay: 1000, maxDelay: 8000, schedule: clock.schedule, cancel: clock.cancel })
    box.registerSender('t.tick', p => server.send(p))
    await box.enqueue('t.tick', { id: 'b1' })
    await box.flush()
    for (let i = 0; i < 5; i++) {
      clock.fire()
      await box.flush()
    }
    expect(clock.delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
    expect(box.pending.value).toBe(1)
    server.mode = 'ok'
    clock.fire()
    await box.flush()
    expect(server.order).toEqual(['b1'])
    expect(box.pending.value).toBe(0)
    // a success resets the back-off
    server.mode = 'down'
    await box.enqueue('t.tick', { id: 'b2' })
    await box.flush()
    expect(clock.delays.at(-1)).toBe(1000)
  })

  it('loses nothing and doubles nothing when the acknowledgement is lost or the app dies mid-send', async () => {
    const server = fakeServer()
    const clock = manualClock()
    const name = `test-${++n}`
    // 1) the server stored c1 but the answer was lost: c1 stays queued and is resent with the same id
    const box = make({ schedule: clock.schedule, cancel: clock.cancel }, name)
    box.registerSender('t.note', p => server.send(p))
    server.mode = 'ack-lost'
    await box.enqueue('t.note', { id: 'c1' })
    await box.flush()
    expect(box.pending.value).toBe(1)
    // 2) the app is killed while c2 is in flight (the send never settles)
    await box.close()
    const dying = make({}, name)
    dying.registerSender('t.note', () => new Promise(() => {}))
    await dying.enqueue('t.note', { id: 'c2' })
    // 3) the next start resends both, in order
    server.mode = 'ok'
    const restarted = make({}, name)
    restarted.registerSender('t.note', p => server.send(p))
    await restarted.flush()
    expect(restarted.pending.value).toBe(0)
    expect(server.order).toEqual(['c1', 'c2'])
    expect(server.seen.size).toBe(2) // distinct ids: nothing doubled on the server
    expect(server.seen.get('c1')).toBe(2) // it was sent twice; idempotency made it one row
  })

  it('moves a refused entry to the failed list with its error, and carries on with the rest', async () => {
    const server = fakeServer()
    const box = make()
    box.registerSender('t.checkin', p => server.send(p))
    await box.enqueue('t.checkin', { id: 'r1' })
    await box.enqueue('t.checkin', { id: 'r2', bad: true })
    await box.enqueue('t.checkin', { id: 'r3' })
    await box.flush()
    expect(server.order).toEqual(['r1', 'r3'])
    expect(box.pending.value).toBe(0)
    expect(box.failed.value).toHaveLength(1)
    expect(box.failed.value[0]).toMatchObject({ kind: 't.checkin', payload: { id: 'r2', bad: true }, error: { key: 'checkin.code_expired', status: 400 } })
    // the user may retry it (after fixing the cause) or discard it; it is never dropped silently
    const seq = box.failed.value[0]!.seq
    await box.retryFailed(seq)
    await box.flush()
    expect(box.failed.value).toHaveLength(1)
    await box.discardFailed(box.failed.value[0]!.seq)
    expect(box.failed.value).toHaveLength(0)
  })

  it('waits for a sender for its kind without blocking other kinds', async () => {
    const server = fakeServer()
    const box = make()
    box.registerSender('a.x', p => server.send(p))
    await box.enqueue('b.y', { id: 'later' })
    await box.enqueue('a.x', { id: 'now' })
    await box.flush()
    expect(server.order).toEqual(['now'])
    box.registerSender('b.y', p => server.send(p))
    await box.flush()
    expect(server.order).toEqual(['now', 'later'])
  })

  it('abandons a send that never answers at the time limit, aborts it, retries it by its id, and moves on', async () => {
    const server = fakeServer()
    const clock = manualClock()
    const box = make({ baseDelay: 1000, schedule: clock.schedule, cancel: clock.cancel })
    const signals: AbortSignal[] = []
    let hang = true
    box.registerSender('t.tick', (p, { signal }) => {
      signals.push(signal)
      if (hang && p.id === 'h1') {
        hang = false
        // the server applied it, but the answer never comes and the request never fails
        void server.send(p)
        return new Promise(() => {})
      }
      return server.send(p)
    })
    await box.enqueue('t.tick', { id: 'h1' })
    await box.enqueue('t.tick', { id: 'h2' })
    let settled = false
    const run = box.flush().then(() => {
      settled = true
    })
    await vi.waitFor(() => expect(clock.limitsRunning()).toBe(1))
    expect(settled).toBe(false)
    expect(box.pending.value).toBe(2)
    // the limit passes: the request is aborted and the run ends instead of waiting forever
    expect(clock.expire()).toBe(true)
    await run
    expect(signals[0]!.aborted).toBe(true)
    expect(box.pending.value).toBe(2)
    expect(clock.delays).toEqual([1000])
    // the back-off passes: h1 is sent again with the same id, then h2
    clock.fire()
    await box.flush()
    expect(box.pending.value).toBe(0)
    expect(server.order).toEqual(['h1', 'h2'])
    expect(server.seen.get('h1')).toBe(2) // sent twice, one row: the id makes the retry safe
    expect([...server.seen.keys()]).toEqual(['h1', 'h2'])
    expect(clock.limitsRunning()).toBe(0) // each answered send cleared its limit
  })

  it('shows what the phone holds while the first send after a reload is still out', async () => {
    const name = `test-${++n}`
    const before = make({ isOnline: () => false }, name)
    await before.enqueue('t.tick', { id: 'p1' })
    await before.enqueue('t.tick', { id: 'p2' })
    await before.enqueue('t.tick', { id: 'p3' })
    await before.close()
    const clock = manualClock()
    const reloaded = make({ schedule: clock.schedule, cancel: clock.cancel }, name)
    expect(reloaded.pending.value).toBe(0) // nothing read yet
    reloaded.registerSender('t.tick', () => new Promise(() => {}))
    await vi.waitFor(() => expect(clock.limitsRunning()).toBe(1))
    expect(reloaded.pending.value).toBe(3)
    clock.expire()
    await reloaded.flush()
    expect(reloaded.pending.value).toBe(3)
  })

  it('hands each acknowledged answer to the listeners of its kind, once', async () => {
    const server = fakeServer()
    const box = make()
    const heard: string[] = []
    const stop = box.onSent('t.note', (result, payload) => heard.push(`${result.id}:${payload.id}`))
    box.onSent('t.tick', () => heard.push('wrong kind'))
    box.onSent('t.note', () => {
      throw new Error('a screen failing')
    })
    box.registerSender('t.note', p => server.send(p))
    await box.enqueue('t.note', { id: 'n1' })
    await box.flush()
    expect(heard).toEqual(['n1:n1'])
    stop()
    await box.enqueue('t.note', { id: 'n2' })
    await box.flush()
    expect(heard).toEqual(['n1:n1'])
    expect(server.order).toEqual(['n1', 'n2'])
  })
})
