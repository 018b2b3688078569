// Who a REST/Realtime-HTTP request runs as: the Kong key mapping, then PostgREST's JWT check.
import type { IncomingMessage } from 'node:http'
import type { Claims } from './jwt'
import type { StackKeys } from './keys'
import { header } from './http'
import { verifyJwt } from './jwt'
import { bearerFor } from './keys'

export type RequestIdentity
  = | { ok: true, role: string, claims: Claims, /** claims as JSON, for request.jwt.claims */ claimsJson: string }
    | { ok: false, code: 'PGRST301' | 'PGRST303', message: string }

type Identified = Extract<RequestIdentity, { ok: true }>

const ANONYMOUS: Identified = Object.freeze({ ok: true, role: 'anon', claims: Object.freeze({ role: 'anon' }), claimsJson: '{"role":"anon"}' })
/**
 * The identity built from a verified token, kept with verifyJwt's cached claims object (the same
 * object for as long as the token is cached): a token reused for an hour is turned into a role and
 * its claims JSON once, not on every request, as PostgREST's JWT cache keeps the decoded result.
 */
const identityOf = new WeakMap<Claims, Identified>()

export async function identify(req: IncomingMessage, keys: StackKeys): Promise<RequestIdentity> {
  const token = bearerFor(header(req, 'authorization'), header(req, 'apikey'), keys)
  // No credentials at all: PostgREST's db-anon-role.
  if (token === undefined)
    return ANONYMOUS
  const v = await verifyJwt(token, keys)
  if (!v.ok)
    return { ok: false, code: v.expired ? 'PGRST303' : 'PGRST301', message: v.message }
  let who = identityOf.get(v.claims)
  if (!who) {
    const role = typeof v.claims.role === 'string' && v.claims.role !== '' ? v.claims.role : 'anon'
    // PostgREST inserts the effective role into the claims it hands to SQL.
    const claims = Object.freeze({ ...v.claims, role })
    who = Object.freeze({ ok: true, role, claims, claimsJson: JSON.stringify(claims) })
    identityOf.set(v.claims, who)
  }
  return who
}
