import type { Session } from '@supabase/supabase-js'
import { getSupabase, storedSession, toApiError } from './client'

/**
 * The separators a phone may be written with: ASCII white space, the no-break and ideographic
 * (full-width) spaces, '+', brackets and dashes. The same list as app.normalise_phone's.
 */
const PHONE_SEPARATORS = /[ \t\n\r\f\v\u00A0\u3000+()-]/g

/**
 * A login is a phone number when it is a mainland mobile (1[3-9] and nine digits), optionally
 * written with +86 / 86 and separators. GoTrue stores phones as digits with the country code, so
 * it is sent as `86138…`. This is the app's copy of app.normalise_phone (the definition, SQL),
 * for sign-in and instant feedback; supabase/tests/phone-rule.test.ts fails if the two differ.
 */
export function phoneOf(login: string): string | null {
  const m = /^(?:86)?(1[3-9]\d{9})$/.exec(login.replace(PHONE_SEPARATORS, ''))
  return m ? `86${m[1]}` : null
}

/** A stored phone as a member writes it: mainland mobiles without the 86. */
export function localPhone(stored: string | null | undefined): string {
  const m = /^86(1\d{10})$/.exec(stored ?? '')
  return m ? m[1]! : (stored ?? '')
}

export function isEmail(login: string): boolean {
  return /^[^\s@]+@[^\s@][^\s.@]*\.[^\s@]+$/.test(login.trim())
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
  // a phone change to a number another account has (sign-up answers user_already_exists)
  if (code === 'phone_exists')
    return Object.assign(e, { key: 'auth.phone_taken' })
  if (code === 'user_already_exists' || code === 'email_exists' || /already registered/i.test(e.message))
    return Object.assign(e, { key: 'auth.user_exists' })
  if (code === 'weak_password')
    return Object.assign(e, { key: 'auth.weak_password' })
  // GoTrue refuses passwords over 72 bytes (bcrypt's limit) with a plain validation_failed
  if (code === 'validation_failed' && /longer than 72/.test(e.message))
    return Object.assign(e, { key: 'auth.password_too_long' })
  const byCode: Record<string, string> = {
    otp_expired: 'auth.code_invalid',
    over_sms_send_rate_limit: 'auth.code_too_soon',
    over_request_rate_limit: 'auth.too_many_requests',
    phone_not_confirmed: 'auth.phone_not_confirmed',
    sms_send_failed: 'auth.sms_failed',
  }
  if (code && byCode[code])
    return Object.assign(e, { key: byCode[code] })
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

/** GoTrue refuses more than 72 bytes (not characters): a Chinese character is 3. */
export const PASSWORD_MAX_BYTES = 72
export function passwordBytes(password: string): number {
  return new TextEncoder().encode(password).length
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

/** A phone sign-up is confirmed by the SMS code (GoTrue `/verify`, type `sms`); returns the session. */
export async function verifySignUpCode(phone: string, code: string): Promise<Session | null> {
  const supabase = await getSupabase()
  const { data } = await call(supabase.auth.verifyOtp({ phone, token: code.trim(), type: 'sms' }))
  return data.session
}

export async function resendSignUpCode(phone: string): Promise<void> {
  const supabase = await getSupabase()
  await call(supabase.auth.resend({ type: 'sms', phone }))
}

/** Asks to move the account to a new phone: GoTrue sends the code there; the phone changes on verify. */
export async function requestPhoneChange(phone: string): Promise<void> {
  const supabase = await getSupabase()
  await call(supabase.auth.updateUser({ phone }))
}

export async function verifyPhoneChange(phone: string, code: string): Promise<Session | null> {
  const supabase = await getSupabase()
  const { data } = await call(supabase.auth.verifyOtp({ phone, token: code.trim(), type: 'phone_change' }))
  return data.session
}

/**
 * After a phone sign-up is verified, set the password the member just chose. GoTrue leaves an
 * earlier unconfirmed sign-up of the same number as it was, password included, so whoever had
 * tried the number first would otherwise know the password of the account the owner verified.
 */
export async function setOwnPassword(password: string): Promise<void> {
  const supabase = await getSupabase()
  const { error } = await supabase.auth.updateUser({ password })
  if (error && (error as { code?: string }).code !== 'same_password')
    throw authError(error)
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

export async function onAuthChange(fn: (event: string, session: Session | null) => void): Promise<() => void> {
  const { data } = (await getSupabase()).auth.onAuthStateChange((event, session) => fn(event, session))
  return () => data.subscription.unsubscribe()
}
