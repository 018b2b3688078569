import type { Session } from '@supabase/supabase-js'
import type { MyContext } from '@/api/core'
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import * as auth from '@/api/auth'
import { onAuthExpired, whenSupabaseLoaded } from '@/api/client'
import { myContext } from '@/api/core'
import { forgetHomes } from '@/offline/home-cache'

/**
 * Who is signed in and what they may do (`my_context()`), shared by every page.
 * The session itself is kept by supabase-js in localStorage, so a reload restores it.
 */
export const useSessionStore = defineStore('session', () => {
  const session = shallowRef<Session | null>(null)
  const context = ref<MyContext | null>(null)
  /** true after the stored session was read on start */
  const ready = ref(false)
  /** Set when the session ended without the user asking (refresh failed, token refused). */
  const expired = ref(false)

  const userId = computed(() => session.value?.user.id ?? null)
  const isSignedIn = computed(() => session.value !== null)
  const profile = computed(() => context.value?.profile ?? null)
  const memberships = computed(() => context.value?.memberships ?? [])
  const isAdmin = computed(() => context.value?.is_admin ?? false)
  const canManage = computed(() => context.value?.can_manage ?? false)
  const displayName = computed(() =>
    profile.value?.display_name
    || (session.value?.user.user_metadata?.display_name as string | undefined)
    || '')

  let signingOut = false
  let started: Promise<void> | null = null

  let loadingContext: Promise<void> | null = null
  /** Ask who the member is (my_context); calls made while one is in flight share it. */
  function loadContext(): Promise<void> {
    if (!session.value)
      return Promise.resolve()
    loadingContext ??= myContext()
      .then((c) => { context.value = c })
      .finally(() => { loadingContext = null })
    return loadingContext
  }

  /** The same, arrived with another answer (home_summary carries it). */
  function setContext(c: MyContext) {
    if (session.value)
      context.value = c
  }

  function setSession(s: Session | null) {
    const was = session.value
    session.value = s
    if (!s) {
      context.value = null
      forgetHomes()
      if (was && !signingOut)
        expired.value = true
    }
    else {
      expired.value = false
    }
  }

  let following = false
  /** Let supabase-js check the session and follow auth changes (refresh, sign-out elsewhere). */
  function follow() {
    if (following)
      return
    following = true
    auth.onAuthChange((event, s) => {
      if (event === 'INITIAL_SESSION' && !s && !session.value)
        return
      const changedUser = s?.user.id !== session.value?.user.id
      setSession(s)
      if (event === 'SIGNED_IN' && changedUser)
        loadContext().catch(() => {})
    }).catch(() => {
      following = false
    })
  }

  /**
   * Read the stored session synchronously, so the first screen does not wait for supabase-js
   * (~52 KB). It loads when first needed (an expiring token, realtime, an auth action); from
   * then on the store follows its auth events. Safe to call more than once.
   */
  function start(): Promise<void> {
    started ??= (async () => {
      setSession(auth.storedSession())
      ready.value = true
      onAuthExpired(() => {
        // The server refused our token: drop it locally; the router guard sends the user to sign-in.
        auth.signOut().catch(() => {})
      })
      // Who the member is comes with the first screen's data: the router guard asks for it,
      // except on home, whose summary carries it.
      if (session.value)
        whenSupabaseLoaded(follow)
    })()
    return started
  }

  async function signIn(login: string, password: string) {
    setSession(await auth.signIn(login, password))
    follow()
    await loadContext()
  }

  /**
   * Creates the account. A phone sign-up answers without a session: the SMS code goes to the
   * phone and `verifySignUp` finishes it ('code'). An e-mail one is signed in at once ('done').
   */
  async function signUp(login: string, password: string, displayName: string): Promise<'done' | 'code'> {
    const s = await auth.signUp(login, password, displayName)
    if (!s && auth.phoneOf(login))
      return 'code'
    setSession(s ?? await auth.signIn(login, password))
    follow()
    return 'done'
  }

  async function verifySignUp(login: string, code: string, password: string) {
    const phone = auth.phoneOf(login)
    if (!phone)
      throw new Error('verifySignUp needs a phone login')
    setSession(await auth.verifySignUpCode(phone, code))
    follow()
    await auth.setOwnPassword(password)
  }

  /** The phone moved (PUT /user then /verify phone_change): the session carries the new user. */
  async function verifyPhoneChange(phone: string, code: string) {
    setSession(await auth.verifyPhoneChange(phone, code))
    await loadContext()
  }

  async function signOut() {
    signingOut = true
    try {
      await auth.signOut()
      setSession(null)
    }
    finally {
      signingOut = false
    }
  }

  return {
    session,
    context,
    ready,
    expired,
    userId,
    isSignedIn,
    profile,
    memberships,
    isAdmin,
    canManage,
    displayName,
    start,
    loadContext,
    setContext,
    signIn,
    signUp,
    verifySignUp,
    verifyPhoneChange,
    signOut,
  }
})
