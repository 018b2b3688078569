// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { localPhone, phoneOf } from '@/api/auth'
import { ApiError, rpc, RPC_TIMEOUT_MS, toApiError } from '@/api/client'

describe('rpc time limit', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  /** A server that takes every request and never answers; it sees each abort. */
  function silentServer() {
    const requests: { body: string, signal: AbortSignal | null }[] = []
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      requests.push({ body: String(init.body), signal: init.signal ?? null })
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    })
    return requests
  }

  it('abandons a request that never answers after RPC_TIMEOUT_MS, aborting it, as a retryable network error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const requests = silentServer()
    let outcome: unknown = 'pending'
    const call = rpc('topic_post_create', { p_id: 'a-client-made-id' }).then(v => (outcome = v), e => (outcome = e))
    // (vi.waitFor would move the fake clock on)
    for (let i = 0; i < 100 && !requests.length; i++)
      await Promise.resolve()
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(RPC_TIMEOUT_MS - 1)
    expect(outcome).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    await call
    expect(outcome).toBeInstanceOf(ApiError)
    expect(outcome).toMatchObject({ key: 'network', transient: true })
    expect(requests[0]!.signal?.aborted).toBe(true)
    expect(requests).toHaveLength(1) // abandoned, not silently re-sent: the caller retries by its id
    expect(requests[0]!.body).toContain('a-client-made-id')
  })

  it('gives up at once when the caller aborts (the outbox\'s own limit)', async () => {
    const requests = silentServer()
    const ctrl = new AbortController()
    const call = rpc('section_tick', {}, { signal: ctrl.signal })
    await vi.waitFor(() => expect(requests).toHaveLength(1))
    ctrl.abort('outbox limit')
    await expect(call).rejects.toMatchObject({ key: 'network' })
    expect(requests[0]!.signal?.aborted).toBe(true)
  })
})

describe('toApiError', () => {
  it('keeps an SQL error key that looks like area.key', () => {
    const e = toApiError({ message: 'checkin.code_expired', code: 'P0001' }, 400)
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ key: 'checkin.code_expired', status: 400 })
  })

  it('maps fetch failures and status 0 to network', () => {
    expect(toApiError({ message: 'TypeError: Failed to fetch', code: '' }, 0).key).toBe('network')
    expect(toApiError(new TypeError('fetch failed')).key).toBe('network')
    expect(toApiError({ message: 'FetchError: x' }, 0).transient).toBe(true)
  })

  it('maps a refused token to auth.expired', () => {
    expect(toApiError({ message: 'JWT expired', code: 'PGRST301' }, 401).key).toBe('auth.expired')
    expect(toApiError({ message: 'JWT expired', code: 'PGRST303' }, 401).key).toBe('auth.expired')
  })

  it('anything else is unknown, with its status', () => {
    expect(toApiError({ message: 'Internal error', code: 'XX000' }, 500)).toMatchObject({ key: 'unknown', status: 500 })
    expect(toApiError({ message: 'Some sentence. With dots' }, 400).key).toBe('unknown')
  })

  it('marks refusals as not transient', () => {
    expect(toApiError({ message: 'profile.name_required' }, 400).transient).toBe(false)
    expect(toApiError({ message: 'x' }, 503).transient).toBe(true)
  })
})

describe('phoneOf', () => {
  it.each([
    ['13800138000', '8613800138000'],
    ['138 0013 8000', '8613800138000'],
    ['+86 138-0013-8000', '8613800138000'],
    ['8613800138000', '8613800138000'],
  ])('%s → %s', (input, out) => expect(phoneOf(input)).toBe(out))

  it.each(['a@b.cn', '1380013800', '23800138000', '12800138000', ''])('%s is not a phone', input => expect(phoneOf(input)).toBeNull())
})

describe('localPhone', () => {
  it.each([
    ['8613800000004', '13800000004'],
    ['85291234567', '85291234567'],
    [null, ''],
  ])('%s → %s', (stored, shown) => expect(localPhone(stored)).toBe(shown))
})
