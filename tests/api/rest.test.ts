// PostgREST RPC contract: error shapes on the wire, JWT handling, and the app's real functions.
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { anonClient, api, clientWithToken, env, newUser } from './env'

async function expiredToken(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ sub, role: 'authenticated', aud: 'authenticated', session_id: '00000000-0000-0000-0000-000000000000' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(new TextEncoder().encode(env.jwtSecret))
}

async function stillServing(): Promise<void> {
  const res = await api('/auth/v1/health')
  expect(res.status).toBe(200)
}

describe('rpc errors', () => {
  it('answers an unknown function with 404 PGRST202 in PostgREST\'s words', async () => {
    const { error, status } = await anonClient().rpc('no_such_function_here', { p_a: 1, p_b: 2 })
    expect(status).toBe(404)
    expect(error).toMatchObject({
      code: 'PGRST202',
      message: 'Could not find the function public.no_such_function_here(p_a, p_b) in the schema cache',
      details: expect.stringContaining('Searched for the function public.no_such_function_here with parameters p_a, p_b'),
    })
    expect(error).toHaveProperty('hint')
  })

  it('answers malformed JSON with 400 PGRST102 and keeps serving', async () => {
    const res = await api('/rest/v1/rpc/no_such_function_here', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"p_a": ' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ code: 'PGRST102', message: expect.any(String), details: null, hint: null })
    await stillServing()
  })

  it('answers a body over 1 MB with 413 and a PostgREST-shaped error, and keeps serving', async () => {
    const res = await api('/rest/v1/rpc/no_such_function_here', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ p: 'x'.repeat(1_100_000) }) })
    expect(res.status).toBe(413)
    expect(Object.keys(await res.json() as object)).toEqual(['code', 'message', 'details', 'hint'])
    await stillServing()
  })

  it('refuses a schema that is not exposed with 406 PGRST106', async () => {
    const { error, status } = await anonClient().schema('app').rpc('anything')
    expect(status).toBe(406)
    expect(error).toMatchObject({ code: 'PGRST106' })
  })

  it('refuses a token with a bad signature with 401 PGRST301', async () => {
    const forged = `${env.anonKey.split('.').slice(0, 2).join('.')}.AAAA`
    const res = await api('/rest/v1/rpc/no_such_function_here', { method: 'POST', token: forged, body: '{}' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
    expect(await res.json()).toMatchObject({ code: 'PGRST301' })
  })

  it.runIf(!!env.jwtSecret)('refuses an expired token with 401 PGRST303 "JWT expired"', async () => {
    const token = await expiredToken('00000000-0000-0000-0000-000000000001')
    const { error, status } = await clientWithToken(token).rpc('no_such_function_here')
    expect(status).toBe(401)
    expect(error).toMatchObject({ code: 'PGRST303', message: 'JWT expired' })
    await stillServing()
  })
})

describe('the app\'s functions', () => {
  it('my_context answers a signed-in user with a JSON object', async (ctx) => {
    const u = await newUser({ display_name: '测试用户' })
    const { data, error, status } = await u.client.rpc('my_context')
    if (error?.code === 'PGRST202')
      return ctx.skip() // core migration not there yet
    expect(error).toBeNull()
    expect(status).toBe(200)
    expect(typeof data).toBe('object')
  })

  it('invite_preview of an unknown code is refused with a stable key, not a crash', async (ctx) => {
    const { error, status } = await anonClient().rpc('invite_preview', { p_code: 'NO-SUCH-CODE' })
    if (error?.code === 'PGRST202')
      return ctx.skip()
    if (error) {
      expect(status).toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(500)
      expect(error.message).toMatch(/^[a-z_]+\.[a-z_]+/)
    }
    else {
      expect(status).toBe(200)
    }
  })
})

describe('cors', () => {
  it('answers a preflight with what may be sent, and every answer with the origin and exposed headers', async () => {
    const origin = 'http://localhost:5173'
    const pre = await api('/rest/v1/rpc/my_context', { method: 'OPTIONS', headers: { 'origin': origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom-thing' } })
    expect(pre.status).toBeLessThan(300)
    expect(pre.headers.get('access-control-allow-origin')).toMatch(new RegExp(`^(\\*|${origin})$`))
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/x-custom-thing/i)
    const res = await api('/rest/v1/rpc/no_such_function_here', { method: 'POST', body: '{}', headers: { 'origin': origin, 'content-type': 'application/json' } })
    expect(res.status).toBe(404)
    expect(res.headers.get('access-control-allow-origin')).toMatch(new RegExp(`^(\\*|${origin})$`))
    expect(res.headers.get('access-control-expose-headers')).toMatch(/content-range/i)
  })
})
