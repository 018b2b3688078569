// PostgREST's SQLSTATE → HTTP status mapping (src/library/PostgREST/Error.hs `mapSQLtoHTTP`) and its
// error body {code,message,details,hint}, so the app's error mapping works the same on Supabase.

export interface PgErrorLike {
  code?: string
  message: string
  detail?: string
  hint?: string
}

export function asPgError(e: unknown): PgErrorLike | undefined {
  if (typeof e !== 'object' || e === null)
    return undefined
  const o = e as Record<string, unknown>
  if (typeof o.code !== 'string' || !/^[0-9A-Z]{5}$/.test(o.code))
    return undefined
  return {
    code: o.code,
    message: typeof o.message === 'string' ? o.message : String(o.message),
    detail: typeof o.detail === 'string' ? o.detail : undefined,
    hint: typeof o.hint === 'string' ? o.hint : undefined,
  }
}

export function httpStatusFor(err: PgErrorLike, role: string, anonRole = 'anon'): number {
  const code = err.code ?? ''
  if (code.startsWith('PT')) {
    const n = Number(code.slice(2))
    return Number.isInteger(n) && n >= 100 && n <= 599 ? n : 500
  }
  if (code === '42501')
    return role === anonRole ? 401 : 403
  if (code === '23503' || code === '23505')
    return 409
  if (code === '25006')
    return 405
  if (code === '42883' || code === '42P01')
    return 404
  if (code === '42P17')
    return 500
  if (code === '22023' && /^role .* does not exist/.test(err.message))
    return 401
  if (code === '21000')
    return /requires a WHERE clause/.test(err.message) ? 400 : 500
  if (code === 'P0001')
    return 400
  if (code === '57P01')
    return 503
  if (code === '53400')
    return 500
  const cls = code.slice(0, 2)
  switch (cls) {
    case '08': return 503
    case '09': return 500
    case '0L': case '0P': return 403
    case '25': case '2D': case '38': case '39': case '3B': case '40': return 500
    case '28': return 403
    case '53': return 503
    case '54': case '55': case '57': case '58': case 'F0': case 'HV': case 'XX': case 'P0': return 500
    default: return 400
  }
}

export interface PgrstErrorBody {
  code: string
  message: string
  details: string | null
  hint: string | null
}

export function pgErrorBody(err: PgErrorLike): PgrstErrorBody {
  return { code: err.code ?? 'XX000', message: err.message, details: err.detail ?? null, hint: err.hint ?? null }
}
