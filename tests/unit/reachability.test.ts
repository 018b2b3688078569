import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
// @vitest-environment happy-dom
// The offline banner follows whether the server answers, not only navigator.onLine (which stays
// true on weak signal, and did after an offline reload from the service worker's copy).
import { effectScope } from 'vue'

type Answer = 'none' | number

/** fetch as the phone sees it: no answer at all, or an HTTP answer of the given status */
function network() {
  const state = { answer: 'none' as Answer, urls: [] as string[] }
  vi.stubGlobal('fetch', async (url: string) => {
    state.urls.push(String(url))
    if (state.answer === 'none')
      throw new TypeError('Failed to fetch')
    return new Response(state.answer === 200 ? '[]' : JSON.stringify({ message: 'auth.not_allowed', code: '42501' }), { status: state.answer, headers: { 'content-type': 'application/json' } })
  })
  return state
}

async function load() {
  vi.resetModules()
  const client = await import('@/api/client')
  const reach = await import('@/api/reachability')
  const { useOnline } = await import('@/composables/useOnline')
  const scope = effectScope()
  const { online } = scope.run(() => useOnline())!
  return { client, reach, online, scope }
}

describe('reachability', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('a call without an answer turns the app offline; the probe turns it back once the server answers', async () => {
    const net = network()
    const { client, reach, online, scope } = await load()
    expect(online.value).toBe(true)
    await expect(client.rpc('home_summary')).rejects.toMatchObject({ key: 'network' })
    expect(online.value).toBe(false)

    // still no signal: the first probe (after PROBE_FIRST_MS) fails, the next waits twice as long
    net.urls.length = 0
    await vi.advanceTimersByTimeAsync(reach.PROBE_FIRST_MS)
    expect(net.urls).toEqual([expect.stringMatching(/\/auth\/v1\/health$/)])
    expect(online.value).toBe(false)
    net.answer = 200
    await vi.advanceTimersByTimeAsync(reach.PROBE_FIRST_MS * 2 - 1)
    expect(net.urls).toHaveLength(1)
    expect(online.value).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(net.urls).toHaveLength(2)
    expect(online.value).toBe(true)

    // answered, nothing more is asked
    await vi.advanceTimersByTimeAsync(reach.PROBE_MAX_MS * 2)
    expect(net.urls).toHaveLength(2)
    scope.stop()
  })

  it('a refusal is an answer: the app stays online', async () => {
    const net = network()
    net.answer = 403
    const { client, online, scope } = await load()
    await expect(client.rpc('org_retire', { p_org_id: 'x' })).rejects.toMatchObject({ key: 'auth.not_allowed' })
    expect(online.value).toBe(true)
    scope.stop()
  })

  it('a call the screen abandoned says nothing about the server', async () => {
    network()
    const { client, online, scope } = await load()
    const ctrl = new AbortController()
    ctrl.abort('left the screen')
    await expect(client.rpc('home_summary', undefined, { signal: ctrl.signal })).rejects.toMatchObject({ key: 'network' })
    expect(online.value).toBe(true)
    scope.stop()
  })

  it('the phone saying it is back online asks the server at once, and any answered call ends the wait', async () => {
    const net = network()
    const { client, online, scope } = await load()
    await expect(client.rpc('home_summary')).rejects.toMatchObject({ key: 'network' })
    expect(online.value).toBe(false)
    net.answer = 200
    net.urls.length = 0
    window.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(0)
    expect(net.urls).toEqual([expect.stringMatching(/\/auth\/v1\/health$/)])
    expect(online.value).toBe(true)

    net.answer = 'none'
    await expect(client.rpc('home_summary')).rejects.toMatchObject({ key: 'network' })
    expect(online.value).toBe(false)
    net.answer = 200
    await client.rpc('home_summary')
    expect(online.value).toBe(true)
    scope.stop()
  })
})
