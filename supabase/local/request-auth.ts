// Who a REST/Realtime-HTTP request runs as: the Kong key mapping, then PostgREST's JWT check.
import type { IncomingMessage } from 'node:http'
import type { Claims } from './jwt'
import type { StackKeys } from './keys'
import { header } from './http'
import { verifyJwt } from './jwt'
import { bearerFor } from './keys'

export type RequestIdentity
  = | { ok: true, role: string, claims: Claims }
    | { ok: false, code: 'PGRST301' | 'PGRST303', message: string }

export async function identify(req: IncomingMessage, keys: StackKeys): Promise<RequestIdentity> {
  const token = bearerFor(header(req, 'authorization'), header(req, 'apikey'), keys)
  // No credentials at all: PostgREST's db-anon-role.
  if (token === undefined)
    return { ok: true, role: 'anon', claims: { role: 'anon' } }
  const v = await verifyJwt(token, keys)
  if (!v.ok)
    return { ok: false, code: v.expired ? 'PGRST303' : 'PGRST301', message: v.message }
  const role = typeof v.claims.role === 'string' && v.claims.role !== '' ? v.claims.role : 'anon'
  // PostgREST inserts the effective role into the claims it hands to SQL.
  return { ok: true, role, claims: { ...v.claims, role } }
}
