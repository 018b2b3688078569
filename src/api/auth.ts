import type { Session } from '@supabase/supabase-js'
import { getSupabase, storedSession, toApiError } from './client'

/**
 * A login is a phone number when it looks like a mainland mobile (11 digits starting with 1),
 * optionally written with +86 / 86 and spaces or dashes. GoTrue stores phones as digits with
 * the country code, so it is sent as `86138…`.
 */
export function phoneOf(login: string): string | null {
  const digits = login.replace(/[\s\-()]/g, '').replace(/^\+/, '')
  const m = /^(?:86)?(1\d{10})$/.exec(digits)
  return m ? `86${m[1]}` : null
}

/** A stored phone as a member writes it: mainland mobiles without the 86. */
export function localPhone(stored: string | null | undefined): string {
  const m = /^86(1\d{10})$/.exec(stored ?? '')
  return m ? m[1]! : (stored ?? '')
}

export function isEmail(login: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(login.trim())
}

function credentials(login: string): { phone: string } | { email: string } {
  const phone = phoneOf(login)
  return phone ? { phone } : { email: login.trim().toLowerCase() }
}

/** GoTrue's error codes → our keys (errors.auth.*). */
function authError(err: unknown) {
  const e = toApiError(err)
  const code = (err as { code?: string } | null)?.code
  if (code === 'invalid_credentials' || /invalid login credentials/i.test(e.message))
    return Object.assign(e, { key: 'auth.invalid_credentials' })
  if (code === 'user_already_exists' || code === 'email_exists' || code === 'phone_exists' || /already registered/i.test(e.message))
    return Object.assign(e, { key: 'auth.user_exists' })
  if (code === 'weak_password')
    return Object.assign(e, { key: 'auth.weak_password' })
  return e
}

async function call<T extends { error: unknown }>(p: Promise<T>): Promise<T> {
  let res: T
  try {
    res = await p
  }
  catch (err) {
    throw authError(err)
  }
  if (res.error)
    throw authError(res.error)
  return res
}

export async function signIn(login: string, password: string): Promise<Session | null> {
  const supabase = await getSupabase()
  const { data } = await call(supabase.auth.signInWithPassword({ ...credentials(login), password }))
  return data.session
}

export async function signUp(login: string, password: string, displayName: string): Promise<Session | null> {
  const supabase = await getSupabase()
  const { data } = await call(supabase.auth.signUp({
    ...credentials(login),
    password,
    options: { data: { display_name: displayName.trim() } },
  }))
  return data.session
}

export async function changePassword(password: string): Promise<void> {
  const supabase = await getSupabase()
  await call(supabase.auth.updateUser({ password }))
}

/** Sign out; if the server cannot be reached the local session is dropped anyway. */
export async function signOut(): Promise<void> {
  const supabase = await getSupabase()
  const { error } = await supabase.auth.signOut()
  if (error)
    await supabase.auth.signOut({ scope: 'local' })
}

/** The stored session, synchronously (may be expired: supabase-js refreshes it on first use). */
export { storedSession }

/** The session after supabase-js checked it (refreshing an expired access token). */
export async function currentSession(): Promise<Session | null> {
  const { data } = await (await getSupabase()).auth.getSession()
  return data.session
}

export async function onAuthChange(fn: (event: string, session: Session | null) => void): Promise<() => void> {
  const { data } = (await getSupabase()).auth.onAuthStateChange((event, session) => fn(event, session))
  return () => data.subscription.unsubscribe()
}
