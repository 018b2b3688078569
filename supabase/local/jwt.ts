import type { JWTPayload } from 'jose'
import type { StackKeys } from './keys'
// HS256 signing/verification shared by auth, rest and realtime, so all three agree on what a valid token is.
import { errors, jwtVerify, SignJWT } from 'jose'

export interface Claims extends JWTPayload {
  role?: string
  session_id?: string
  email?: string
  phone?: string
  is_anonymous?: boolean
  [key: string]: unknown
}

export type VerifyResult
  = | { ok: true, claims: Claims }
    | { ok: false, expired: boolean, message: string, expiredSecondsAgo?: number }

/** Tokens a client reuses for an hour; a phone holds one or two at a time. */
const TOKEN_CACHE_SIZE = 2000
/** Per secret, verified tokens by their exact text (PostgREST's JWT cache), least recently used first. */
const verifiedBySecret = new WeakMap<Uint8Array, Map<string, { claims: Claims, exp: number }>>()
/** The HMAC key imported once per secret instead of on every verification. */
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>()

function hmacKey(keys: StackKeys): Promise<CryptoKey> {
  let key = imported.get(keys.secretBytes)
  if (!key) {
    key = crypto.subtle.importKey('raw', new Uint8Array(keys.secretBytes), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    imported.set(keys.secretBytes, key)
  }
  return key
}

export async function verifyJwt(token: string, keys: StackKeys): Promise<VerifyResult> {
  if (token === '')
    return { ok: false, expired: false, message: 'Empty JWT is sent in Authorization header' }
  let verified = verifiedBySecret.get(keys.secretBytes)
  if (!verified)
    verifiedBySecret.set(keys.secretBytes, verified = new Map())
  const hit = verified.get(token)
  if (hit) {
    verified.delete(token)
    // Past its expiry the token is verified afresh, which gives the exact "expired" answer.
    if (hit.exp > Date.now() / 1000) {
      verified.set(token, hit)
      return { ok: true, claims: hit.claims }
    }
  }
  const parts = token.split('.').length
  if (parts !== 3)
    return { ok: false, expired: false, message: `Expected 3 parts in JWT; got ${parts}` }
  try {
    const { payload } = await jwtVerify(token, await hmacKey(keys), { algorithms: ['HS256'] })
    const claims = Object.freeze({ ...payload }) as Claims
    // Only tokens that expire are cached, and only until then; the key is the whole signed text
    // under one secret, so an entry can never answer for another token or another stack's secret.
    if (typeof claims.exp === 'number') {
      if (verified.size >= TOKEN_CACHE_SIZE)
        verified.delete(verified.keys().next().value!)
      verified.set(token, { claims, exp: claims.exp })
    }
    return { ok: true, claims }
  }
  catch (e) {
    if (e instanceof errors.JWTExpired) {
      const exp = typeof e.payload.exp === 'number' ? e.payload.exp : Math.floor(Date.now() / 1000)
      return { ok: false, expired: true, message: 'JWT expired', expiredSecondsAgo: Math.max(0, Math.floor(Date.now() / 1000) - exp) }
    }
    if (e instanceof errors.JWTClaimValidationFailed)
      return { ok: false, expired: false, message: e.message }
    if (e instanceof errors.JOSEAlgNotAllowed)
      return { ok: false, expired: false, message: 'No suitable key or wrong key type' }
    return { ok: false, expired: false, message: 'JWT cryptographic operation failed' }
  }
}

export async function signJwt(claims: Claims, keys: StackKeys): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(keys.secretBytes)
}
