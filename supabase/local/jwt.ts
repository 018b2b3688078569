// HS256 signing/verification shared by auth, rest and realtime, so all three agree on what a valid token is.
import { errors, jwtVerify, SignJWT } from 'jose'
import type { JWTPayload } from 'jose'
import type { StackKeys } from './keys'

export interface Claims extends JWTPayload {
  role?: string
  session_id?: string
  email?: string
  phone?: string
  is_anonymous?: boolean
  [key: string]: unknown
}

export type VerifyResult =
  | { ok: true, claims: Claims }
  | { ok: false, expired: boolean, message: string, expiredSecondsAgo?: number }

export async function verifyJwt(token: string, keys: StackKeys): Promise<VerifyResult> {
  if (token === '') return { ok: false, expired: false, message: 'Empty JWT is sent in Authorization header' }
  const parts = token.split('.').length
  if (parts !== 3) return { ok: false, expired: false, message: `Expected 3 parts in JWT; got ${parts}` }
  try {
    const { payload } = await jwtVerify(token, keys.secretBytes, { algorithms: ['HS256'] })
    return { ok: true, claims: payload as Claims }
  }
  catch (e) {
    if (e instanceof errors.JWTExpired) {
      const exp = typeof e.payload.exp === 'number' ? e.payload.exp : Math.floor(Date.now() / 1000)
      return { ok: false, expired: true, message: 'JWT expired', expiredSecondsAgo: Math.max(0, Math.floor(Date.now() / 1000) - exp) }
    }
    if (e instanceof errors.JWTClaimValidationFailed) return { ok: false, expired: false, message: e.message }
    if (e instanceof errors.JOSEAlgNotAllowed) return { ok: false, expired: false, message: 'No suitable key or wrong key type' }
    return { ok: false, expired: false, message: 'JWT cryptographic operation failed' }
  }
}

export async function signJwt(claims: Claims, keys: StackKeys): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(keys.secretBytes)
}
