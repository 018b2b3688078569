import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
import type { Session, SupabaseClient } from '@supabase/supabase-js'
// What api tests need: the URL and keys the global setup provided, and supabase-js clients made
// the way the app makes them (plus the `ws` transport Node 20 needs for Realtime).
import { randomUUID } from 'node:crypto'
import { createClient } from '@supabase/supabase-js'
import { inject } from 'vitest'
import ws from 'ws'
import { templateBlob } from '../../supabase/tests/template'

export const env = {
  url: inject('supabaseUrl'),
  anonKey: inject('anonKey'),
  serviceRoleKey: inject('serviceRoleKey'),
  jwtSecret: inject('jwtSecret'),
  localStack: inject('localStack'),
}

/**
 * What a test's own local stack starts from on PGlite: a copy of the migrated (and seeded, or not)
 * template, rather than migrating an empty cluster again; undefined on a PostgreSQL server.
 */
export async function stackTemplate(seeded: boolean): Promise<Blob | undefined> {
  const file = inject(seeded ? 'seededTemplate' : 'unseededTemplate')
  return file ? templateBlob(file) : undefined
}

function client(key: string, bearer?: string): SupabaseClient {
  return createClient(env.url, key, {
    ...(bearer ? { global: { headers: { Authorization: `Bearer ${bearer}` } } } : {}),
    // realtime-js's types want a WebSocket constructor shaped like the browser's; ws is compatible at runtime.
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  })
}

export function anonClient(): SupabaseClient {
  return client(env.anonKey)
}

/** A client that sends this exact access token on every REST call (e.g. an expired one). */
export function clientWithToken(token: string): SupabaseClient {
  return client(env.anonKey, token)
}

export function serviceClient(): SupabaseClient {
  if (!env.serviceRoleKey)
    throw new Error('SUPABASE_SERVICE_ROLE_KEY is required for this test')
  return client(env.serviceRoleKey)
}

/** `login` is an email, or a phone number (digits with an optional '+'). */
export async function signedInClient(login: string, password: string): Promise<SupabaseClient> {
  const c = anonClient()
  const creds = /^\+?\d+$/.test(login) ? { phone: login, password } : { email: login, password }
  const { error } = await c.auth.signInWithPassword(creds)
  if (error)
    throw error
  return c
}

export interface TestUser {
  id: string
  email: string
  password: string
  client: SupabaseClient
  session: Session
}

/** A confirmed user made through the admin API (fast, no sign-up rules), already signed in. */
export async function newUser(metadata: Record<string, unknown> = {}): Promise<TestUser> {
  const email = `t-${randomUUID().slice(0, 12)}@example.com`
  const password = `pw-${randomUUID().slice(0, 8)}`
  const admin = serviceClient()
  const created = await admin.auth.admin.createUser({ email, password, email_confirm: true, user_metadata: metadata })
  if (created.error)
    throw created.error
  const c = anonClient()
  const signedIn = await c.auth.signInWithPassword({ email, password })
  if (signedIn.error)
    throw signedIn.error
  return { id: created.data.user.id, email, password, client: c, session: signedIn.data.session }
}

export function uniqueEmail(): string {
  return `t-${randomUUID().slice(0, 12)}@example.com`
}

/** Raw fetch with the headers supabase-js would send, for wire-level assertions. */
export function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (!headers.has('apikey'))
    headers.set('apikey', env.anonKey)
  if (!headers.has('authorization'))
    headers.set('authorization', `Bearer ${init.token ?? env.anonKey}`)
  return fetch(`${env.url}${path}`, { ...init, headers })
}

/**
 * The newest SMS code the local stack "sent" to a phone (its development outbox, /sms.json).
 * Against a real Supabase there is no outbox: use a number from [auth.sms.test_otp] instead.
 */
export async function smsCode(phone: string): Promise<string> {
  const res = await fetch(`${env.url}/sms.json?phone=${encodeURIComponent(phone.replace(/^\+/, ''))}`)
  if (!res.ok)
    throw new Error(`no SMS outbox at ${env.url} (${res.status})`)
  const list = await res.json() as { otp: string }[]
  if (!list[0])
    throw new Error(`no SMS sent to ${phone}`)
  return list[0].otp
}
