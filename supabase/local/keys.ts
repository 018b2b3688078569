// The Supabase CLI's local defaults (cli `pkg/config/apikeys.go`), so that anything written for
// `supabase start` (env files, docs, the app's .env) works unchanged against this stack.
import { SignJWT } from 'jose'

export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'
/** Opaque keys of the CLI; the gateway swaps them for the JWTs below (see `bearerFor`). */
export const PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH'
export const SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz'
/** The CLI signs its demo keys with this fixed expiry (2032-11-12). */
const DEMO_KEY_EXP = 1983812996

export interface StackKeys {
  jwtSecret: string
  /** HMAC key material for jose. */
  secretBytes: Uint8Array
  anonKey: string
  serviceRoleKey: string
  publishableKey: string
  secretKey: string
}

async function demoKey(role: 'anon' | 'service_role', secret: Uint8Array): Promise<string> {
  // Key order iss, role, exp and header alg, typ reproduce the CLI's well-known tokens byte for byte.
  return new SignJWT({ iss: 'supabase-demo', role, exp: DEMO_KEY_EXP })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(secret)
}

export async function loadKeys(jwtSecret: string = process.env.JWT_SECRET || DEFAULT_JWT_SECRET): Promise<StackKeys> {
  const secretBytes = new TextEncoder().encode(jwtSecret)
  return {
    jwtSecret,
    secretBytes,
    anonKey: await demoKey('anon', secretBytes),
    serviceRoleKey: await demoKey('service_role', secretBytes),
    publishableKey: PUBLISHABLE_KEY,
    secretKey: SECRET_KEY,
  }
}

/** Maps an opaque `sb_` key to the JWT Kong substitutes for it; other values are returned as they are. */
export function mapApiKey(key: string, keys: StackKeys): string {
  if (key === keys.secretKey)
    return keys.serviceRoleKey
  if (key === keys.publishableKey)
    return keys.anonKey
  return key
}

/**
 * The bearer token a request effectively carries, as the CLI's Kong computes it: when Authorization
 * is missing or holds an `sb_` key, the `apikey` header decides (secret → service_role JWT,
 * publishable → anon JWT, anything else copied as is). Undefined means "no credentials at all".
 */
export function bearerFor(authorization: string | undefined, apikey: string | undefined, keys: StackKeys): string | undefined {
  const auth = authorization?.trim()
  if (auth && /^bearer\s+/i.test(auth)) {
    const token = auth.replace(/^bearer\s+/i, '').trim()
    if (!token.startsWith('sb_'))
      return token
  }
  else if (auth) {
    // A non-Bearer Authorization is passed through; the verifier reports it as malformed.
    return auth
  }
  if (apikey)
    return mapApiKey(apikey.trim(), keys)
  return undefined
}
