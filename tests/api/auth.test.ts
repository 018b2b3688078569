// GoTrue contract through supabase-js (and raw fetch where the wire shape itself is the point).
import { AuthApiError, AuthWeakPasswordError } from '@supabase/supabase-js'
import { describe, expect, it } from 'vitest'
import { anonClient, api, env, newUser, signedInClient, smsCode, uniqueEmail } from './env'

describe('sign-up', () => {
  it('creates a confirmed user with a session and user_metadata', async () => {
    const email = uniqueEmail()
    const { data, error } = await anonClient().auth.signUp({ email: email.toUpperCase(), password: 'secret123', options: { data: { display_name: '王老师' } } })
    expect(error).toBeNull()
    expect(data.session?.access_token.split('.')).toHaveLength(3)
    expect(data.session?.expires_in).toBeGreaterThan(90)
    expect(data.session?.refresh_token).toBeTruthy()
    expect(data.user).toMatchObject({ email, phone: '', aud: 'authenticated', role: 'authenticated', is_anonymous: false, user_metadata: { display_name: '王老师' }, app_metadata: { provider: 'email', providers: ['email'] } })
    expect(data.user?.email_confirmed_at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    const claims = JSON.parse(Buffer.from(data.session!.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(claims).toMatchObject({ aud: 'authenticated', role: 'authenticated', sub: data.user!.id, email, aal: 'aal1', is_anonymous: false })
    expect(typeof claims.session_id).toBe('string')
  })

  it('stores a phone sign-up without the leading +; it signs in once the SMS code is verified', async () => {
    const phone = `+86139${String(Date.now()).slice(-8)}`
    const c = anonClient()
    const { data, error } = await c.auth.signUp({ phone, password: 'secret123' })
    expect(error).toBeNull()
    expect(data.session).toBeNull()
    expect(data.user?.phone).toBe(phone.slice(1))
    expect(data.user?.app_metadata.provider).toBe('phone')
    const verified = await c.auth.verifyOtp({ phone, token: await smsCode(phone), type: 'sms' })
    expect(verified.error).toBeNull()
    expect(verified.data.session?.user.phone_confirmed_at).toBeTruthy()
    // Signing in works with or without the '+'.
    await expect(signedInClient(phone.slice(1), 'secret123')).resolves.toBeTruthy()
  })

  it('refuses a duplicate with 422 user_already_exists', async () => {
    const email = uniqueEmail()
    await anonClient().auth.signUp({ email, password: 'secret123' })
    const { error } = await anonClient().auth.signUp({ email, password: 'other-secret' })
    expect(error).toBeInstanceOf(AuthApiError)
    expect(error).toMatchObject({ status: 422, code: 'user_already_exists' })
  })

  it('refuses a short password with 422 weak_password and reasons', async () => {
    const { error } = await anonClient().auth.signUp({ email: uniqueEmail(), password: '12345' })
    expect(error).toBeInstanceOf(AuthWeakPasswordError)
    expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] })
  })

  it('answers bad input with 400 validation_failed in the versioned error format', async () => {
    const bad = await anonClient().auth.signUp({ email: 'not-an-email', password: 'secret123' })
    expect(bad.error).toMatchObject({ status: 400, code: 'validation_failed' })
    const res = await api('/auth/v1/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      body: JSON.stringify({ email: uniqueEmail(), phone: '8613900000000', password: 'secret123' }),
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-supabase-api-version')).toBe('2024-01-01')
    expect(res.headers.get('x-sb-error-code')).toBe('validation_failed')
    expect(await res.json()).toMatchObject({ code: 'validation_failed', message: expect.any(String) })
  })
})

describe('sign-in and sessions', () => {
  it('refuses a wrong password with 400 invalid_credentials', async () => {
    const u = await newUser()
    const { data, error } = await anonClient().auth.signInWithPassword({ email: u.email, password: 'wrong-password' })
    expect(data.session).toBeNull()
    expect(error).toMatchObject({ status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' })
  })

  it('rotates refresh tokens and refuses a reused one', async () => {
    const u = await newUser()
    const first = u.session.refresh_token
    const { data, error } = await u.client.auth.refreshSession()
    expect(error).toBeNull()
    expect(data.session?.refresh_token).toBeTruthy()
    expect(data.session?.refresh_token).not.toBe(first)
    const reuse = await anonClient().auth.refreshSession({ refresh_token: first })
    expect(reuse.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' })
    const unknown = await anonClient().auth.refreshSession({ refresh_token: 'no-such-token' })
    expect(unknown.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' })
  })

  it('returns the user for its access token', async () => {
    const u = await newUser({ display_name: '李书记' })
    const { data, error } = await u.client.auth.getUser()
    expect(error).toBeNull()
    expect(data.user).toMatchObject({ id: u.id, email: u.email, user_metadata: { display_name: '李书记' } })
    expect(data.user?.identities?.[0]).toMatchObject({ provider: 'email', user_id: u.id })
  })

  it('updates metadata key by key (null deletes) and changes the password', async () => {
    const u = await newUser({ keep: 1, drop: 2 })
    const upd = await u.client.auth.updateUser({ data: { drop: null, added: '新' } })
    expect(upd.error).toBeNull()
    expect(upd.data.user?.user_metadata).toEqual({ keep: 1, added: '新' })
    const same = await u.client.auth.updateUser({ password: u.password })
    expect(same.error).toMatchObject({ status: 422, code: 'same_password' })
    const weak = await u.client.auth.updateUser({ password: '123' })
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password' })
    expect((await u.client.auth.updateUser({ password: 'brand-new-pw' })).error).toBeNull()
    await expect(signedInClient(u.email, 'brand-new-pw')).resolves.toBeTruthy()
    await expect(signedInClient(u.email, u.password)).rejects.toMatchObject({ code: 'invalid_credentials' })
  })

  it('refuses an email already taken by another user with 422 email_exists', async () => {
    const a = await newUser()
    const b = await newUser()
    const { error } = await a.client.auth.updateUser({ email: b.email })
    expect(error).toMatchObject({ status: 422, code: 'email_exists' })
  })

  it('logs out: the old access token then gets 403 session_not_found', async () => {
    const u = await newUser()
    const token = u.session.access_token
    expect((await u.client.auth.signOut()).error).toBeNull()
    const { error } = await anonClient().auth.getUser(token)
    expect(error?.name).toBe('AuthSessionMissingError')
    const res = await api('/auth/v1/user', { token, headers: { 'x-supabase-api-version': '2024-01-01' } })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ code: 'session_not_found' })
    const refresh = await anonClient().auth.refreshSession({ refresh_token: u.session.refresh_token })
    expect(refresh.error?.status).toBe(400)
  })

  it('wants a Bearer token on /user (401 no_authorization) and a user token (403 bad_jwt for the anon key)', async () => {
    const none = await fetch(`${env.url}/auth/v1/user`, { headers: { apikey: env.anonKey } })
    expect(none.status).toBe(401)
    const anon = await api('/auth/v1/user')
    expect(anon.status).toBe(403)
    expect(anon.headers.get('x-sb-error-code')).toBe('bad_jwt')
  })
})

describe('health, settings, admin', () => {
  it('serves health and settings', async () => {
    expect((await api('/auth/v1/health')).status).toBe(200)
    const settings = await (await api('/auth/v1/settings')).json() as { external: { email: boolean } }
    expect(settings.external.email).toBe(true)
  })

  it('keeps the admin API to the service role', async () => {
    const res = await api('/auth/v1/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail() }) })
    expect(res.status).toBe(403)
    expect(res.headers.get('x-sb-error-code')).toBe('not_admin')
  })

  it.runIf(env.localStack)('accepts the CLI\'s opaque secret key as the service role', async () => {
    const res = await fetch(`${env.url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz' } })
    expect(res.status).toBe(200)
    const body = await res.json() as { users: unknown[], aud: string }
    expect(body.users.length).toBeLessThanOrEqual(1)
    expect(Number(res.headers.get('x-total-count'))).toBeGreaterThan(0)
  })
})
