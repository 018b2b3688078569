// @vitest-environment happy-dom
import type { Session } from '@supabase/supabase-js'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'

// The API layer is mocked: these tests are about the store and the guards.
const auth = vi.hoisted(() => ({
  stored: null as Session | null,
  listener: null as ((event: string, s: Session | null) => void) | null,
  // what waits for supabase-js to load (it loads lazily: an expiring token, realtime, an auth action)
  onLoad: [] as (() => void)[],
}))
vi.mock('@/api/auth', () => ({
  storedSession: () => auth.stored,
  onAuthChange: async (fn: (event: string, s: Session | null) => void) => {
    auth.listener = fn
    return () => {}
  },
  signIn: async () => fakeSession('u1'),
  signUp: async () => fakeSession('u1'),
  signOut: async () => auth.listener?.('SIGNED_OUT', null),
}))
vi.mock('@/api/client', async importOriginal => ({
  ...await importOriginal<typeof import('@/api/client')>(),
  getSupabase: async () => ({}),
  whenSupabaseLoaded: (fn: () => void) => void auth.onLoad.push(fn),
}))
vi.mock('@/api/core', () => ({
  myContext: async () => ({ profile: { user_id: 'u1', display_name: '张老师', school: null, position: null, phone: null, email: null }, memberships: [], is_admin: false, can_manage: false }),
}))

function fakeSession(id: string): Session {
  return { access_token: 'a', refresh_token: 'r', expires_in: 3600, expires_at: 9999999999, token_type: 'bearer', user: { id, app_metadata: {}, user_metadata: {}, aud: 'authenticated', created_at: '' } } as Session
}

async function setup(path: string, opening?: Promise<unknown>) {
  const { install } = await import('@/modules/router-guards')
  const { useSessionStore } = await import('@/stores/session')
  const pinia = createPinia()
  setActivePinia(pinia)
  const Empty = defineComponent({ render: () => null })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Empty },
      { path: '/me', component: Empty },
      // a first screen still opening (its chunk on its way) while the session ends
      { path: '/slow', component: () => opening!.then(() => Empty) },
      { path: '/admin', component: Empty, meta: { manage: true } },
      { path: '/login', component: Empty, meta: { public: true, layout: 'blank' } },
    ],
  })
  const app = createApp(Empty)
  app.use(pinia)
  install({ app, router, pinia })
  app.use(router)
  const navigated = router.push(path)
  if (!opening)
    await navigated
  return { router, session: useSessionStore(pinia), navigated }
}

describe('session and guards', { timeout: 20_000 }, () => {
  beforeEach(() => {
    vi.resetModules()
    auth.stored = null
    auth.listener = null
    auth.onLoad = []
  })

  it('sends a signed-out visitor to sign-in, remembering where they were going', async () => {
    const { router } = await setup('/me')
    expect(router.currentRoute.value.fullPath).toBe('/login?redirect=/me')
  })

  it('restores a stored session on reload without asking the server first', async () => {
    auth.stored = fakeSession('u1')
    const { router, session } = await setup('/me')
    expect(router.currentRoute.value.path).toBe('/me')
    expect(session.isSignedIn).toBe(true)
  })

  it('an expired or failed refresh sends the member to sign-in with ?redirect, and back after', async () => {
    auth.stored = fakeSession('u1')
    const { router, session } = await setup('/me?tab=1')
    expect(auth.listener).toBeNull() // the first screen did not wait for supabase-js
    auth.onLoad.forEach(fn => fn()) // a call found the token expiring and loaded it to refresh
    await vi.waitFor(() => expect(auth.listener).not.toBeNull(), { timeout: 5000 })
    auth.listener!('SIGNED_OUT', null) // what supabase-js emits when the refresh token is refused
    await nextTick()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/login'), { timeout: 5000 })
    expect(router.currentRoute.value.query.redirect).toBe('/me?tab=1')
    expect(session.expired).toBe(true)

    const { safeRedirect } = await import('@/modules/router-guards')
    await session.signIn('13800138000', 'x')
    await router.replace(safeRedirect(router.currentRoute.value.query.redirect))
    expect(router.currentRoute.value.fullPath).toBe('/me?tab=1')
    expect(session.expired).toBe(false)
  })

  it('a session that ends while the first screen is still opening keeps the way back to that screen', async () => {
    auth.stored = fakeSession('u1')
    let open!: () => void
    const { router, session, navigated } = await setup('/slow?tab=2', new Promise<void>(r => (open = r)))
    await vi.waitFor(() => expect(auth.onLoad).not.toHaveLength(0)) // the guard has started the session
    auth.onLoad.forEach(fn => fn())
    await vi.waitFor(() => expect(auth.listener).not.toBeNull(), { timeout: 5000 })
    auth.listener!('SIGNED_OUT', null) // the refresh was refused before /slow finished opening
    open()
    await navigated
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/login'), { timeout: 5000 })
    expect(router.currentRoute.value.query.redirect).toBe('/slow?tab=2')
    expect(session.expired).toBe(true)
  })

  it('an explicit sign-out goes to sign-in without a redirect and without the expired notice', async () => {
    auth.stored = fakeSession('u1')
    const { router, session } = await setup('/me')
    await session.signOut()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/login'), { timeout: 5000 })
    expect(session.expired).toBe(false)
  })

  it('keeps management pages to those who may manage', async () => {
    auth.stored = fakeSession('u1')
    const { router } = await setup('/admin')
    expect(router.currentRoute.value.path).toBe('/')
  })

  it('follows only same-app redirects', async () => {
    const { safeRedirect } = await import('@/modules/router-guards')
    expect(safeRedirect('/topics/1')).toBe('/topics/1')
    expect(safeRedirect('//evil.example')).toBe('/')
    expect(safeRedirect('https://evil.example')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})
