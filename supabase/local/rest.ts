// PostgREST's RPC endpoint at /rest/v1/rpc/<fn> (docs/supabase-protocols.md §3). Postgres produces the
// response JSON itself, as PostgREST does, so no value is ever parsed into JS types and back.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { StackContext } from './context'
import type { JsonObject, JsonValue } from './http'
import type { PgrstErrorBody } from './pg-errors'
import type { Routine } from './schema-cache'
import { BodyTooLargeError, decodePathSegment, header, isObject, lowerCasedHeaders, MAX_BODY_BYTES, readBody, sendEmpty, sendJson, sendRawJson } from './http'
import { MAX_JSON_DEPTH, nestingDepth, parseJson } from './json'
import { asPgError, httpStatusFor, pgErrorBody } from './pg-errors'
import { identify } from './request-auth'
import { matchRoutine, SchemaCache, takesWholeBody } from './schema-cache'

export const EXPOSED_SCHEMA = 'public'
const SEARCH_PATH = 'public, extensions'
/** Query parameters PostgREST reads itself rather than as function arguments. */
const RESERVED_PARAMS = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict'])
const SINGULAR = 'application/vnd.pgrst.object+json'

class RestError extends Error {
  constructor(readonly status: number, readonly body: PgrstErrorBody, readonly headers: Record<string, string> = {}) {
    super(body.message)
  }
}

function pgrst(status: number, code: string, message: string, details: string | null = null, hint: string | null = null): RestError {
  return new RestError(status, { code, message, details, hint })
}

const qi = (name: string): string => `"${name.replace(/"/g, '""')}"`
/**
 * A string literal for the simple protocol (no parameters there). The E'' form reads backslashes as
 * escapes whatever standard_conforming_strings says, so escaping both is right under any setting;
 * NUL cannot be sent at all (refused before).
 */
const lit = (value: string): string => `E'${value.replace(/\\/g, '\\\\').replace(/'/g, '\'\'')}'`
const setting = (name: string, value: string): string => `set_config(${lit(name)}, ${lit(value)}, true)`

export class RestApi {
  readonly cache = new SchemaCache(EXPOSED_SCHEMA)
  private lastReload = 0
  /** The settings that depend only on the role and read-only flag, as SQL, until the next reload. */
  private roleSql = new Map<string, string>()

  constructor(private readonly ctx: StackContext) {}

  /** Re-reads the function list (after migrations, or on NOTIFY pgrst). */
  async reload(): Promise<void> {
    this.lastReload = Date.now()
    await this.ctx.db.transaction(tx => this.cache.load(tx))
    this.roleSql = new Map()
  }

  /** `select set_config(…), …` for what every request of this role sets first (its `alter role … set` too). */
  private settingsFor(readOnly: boolean, role: string): string {
    const key = `${readOnly ? 'r' : 'w'}${role}`
    let sql = this.roleSql.get(key)
    if (sql === undefined) {
      const settings: Array<[string, string]> = [
        ['transaction_read_only', readOnly ? 'on' : 'off'],
        ['search_path', SEARCH_PATH],
        ...this.cache.roleSettings(role),
        ['role', role],
      ]
      sql = `select ${settings.map(([k, v]) => setting(k, v)).join(', ')}`
      // Roles come from signed tokens; a cache bounded by the roles in use, but bounded all the same.
      if (this.roleSql.size >= 100)
        this.roleSql.clear()
      this.roleSql.set(key, sql)
    }
    return sql
  }

  async handle(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): Promise<void> {
    try {
      await this.route(req, res, subPath, query)
    }
    catch (e) {
      if (e instanceof RestError) {
        sendJson(res, e.status, e.body, { 'Proxy-Status': `PostgREST; error=${e.body.code}`, ...e.headers })
        return
      }
      // Logged here, never sent: a JavaScript message or stack tells an attacker about the stack's insides.
      console.error('[rest]', e)
      sendJson(res, 500, { code: 'XX000', message: 'Internal Server Error', details: null, hint: null }, { 'Proxy-Status': 'PostgREST; error=XX000' })
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET'
    const read = method === 'GET' || method === 'HEAD'
    const profile = header(req, read ? 'accept-profile' : 'content-profile')
    if (profile !== undefined && profile !== EXPOSED_SCHEMA) {
      throw pgrst(406, 'PGRST106', `Invalid schema: ${profile}`, null, `Only the following schemas are exposed: ${EXPOSED_SCHEMA}`)
    }
    const m = subPath.match(/^\/rpc\/([^/]+)\/?$/)
    if (!m) {
      const table = decodePathSegment(subPath.replace(/^\/+|\/+$/g, ''))
      // Tables are deliberately not exposed; answer as PostgREST does for an unknown table.
      throw pgrst(404, 'PGRST205', `Could not find the table '${EXPOSED_SCHEMA}.${table}' in the schema cache`)
    }
    if (method !== 'POST' && !read)
      throw pgrst(405, 'PGRST117', `Unsupported HTTP method: ${method}`)
    const fn = decodePathSegment(m[1]!)

    const who = await identify(req, this.ctx.keys)
    if (!who.ok) {
      throw new RestError(401, { code: who.code, message: who.message, details: null, hint: null }, {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${who.message}"`,
      })
    }

    let args: JsonObject
    let rawBody: string | undefined
    if (read) {
      args = {}
      for (const [k, v] of query) {
        if (RESERVED_PARAMS.has(k))
          continue
        // Arguments that look like JSON or an array literal reach PostgreSQL's json/array parsers,
        // which fail with a 500 past max_stack_depth; plain text is left alone.
        if (/^\s*[[{]/.test(v) && nestingDepth(v, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH) {
          throw pgrst(400, 'PGRST100', `Argument "${k}" is nested deeper than ${MAX_JSON_DEPTH} levels`)
        }
        args[k] = v
      }
    }
    else {
      try {
        rawBody = await readBody(req)
      }
      catch (e) {
        if (e instanceof BodyTooLargeError)
          throw pgrst(413, 'PGRST413', 'Payload Too Large', `The request body is larger than ${MAX_BODY_BYTES} bytes`)
        throw e
      }
      let parsed: JsonValue = {}
      if (rawBody.trim() !== '') {
        const p = parseJson(rawBody)
        if (!p.ok)
          throw pgrst(400, 'PGRST102', 'Empty or invalid json', p.reason === 'invalid' ? null : p.message)
        parsed = p.value
      }
      if (!isObject(parsed))
        throw pgrst(400, 'PGRST102', 'Empty or invalid json', 'The request body must be a JSON object')
      args = parsed
      if (rawBody.trim() === '')
        rawBody = '{}'
    }

    const routine = await this.resolve(fn, Object.keys(args), !read)
    const readOnly = read || routine.volatility !== 'v'
    const singular = (header(req, 'accept') ?? '').includes(SINGULAR)
    const countExact = /count=exact/.test(header(req, 'prefer') ?? '')
    const call = buildCall(routine, args, rawBody, singular)
    // PostgREST's pre-request settings (supabase-protocols.md §3.3), all transaction-local. They go in
    // a first statement and the call in a second, sent as one message: one round trip and one implicit
    // transaction. Two statements, not one, because statement_timeout only arms at a statement's
    // start, and because the call's names are resolved under the search_path set before it.
    // JSON.stringify escapes NUL, so only the raw texts (role, path, method, body) can carry one.
    if (who.role.includes('\0') || fn.includes('\0') || call.includes('\0'))
      throw pgrst(400, 'PGRST102', 'Empty or invalid json', 'The request contains a NUL character')
    const pre = `${this.settingsFor(readOnly, who.role)}, ${setting('request.jwt.claims', who.claimsJson)}, ${setting('request.method', method)}, ${setting('request.path', `/rpc/${fn}`)}, ${setting('request.headers', JSON.stringify(lowerCasedHeaders(req)))}, ${setting('request.cookies', '{}')}`

    let row: { body: string | null, n: number, status: string | null }
    try {
      if (singular && routine.returnKind !== 'void') {
        // PostgREST rolls the call back when a singular response cannot be produced: that needs the
        // row count before COMMIT, so this rare path keeps an explicit transaction.
        row = await this.ctx.db.transaction(async (tx) => {
          await tx.query(pre)
          const { rows } = await tx.query<{ body: string | null, n: number, status: string | null }>(call)
          const r = rows[0] ?? { body: null, n: 0, status: null }
          if (Number(r.n) !== 1)
            throw pgrst(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${Number(r.n)} rows`)
          return r
        })
      }
      else {
        const { rows } = await this.ctx.db.script<{ body: string | null, n: number, status: string | null }>(`${pre};\n${call}`)
        row = rows[0] ?? { body: null, n: 0, status: null }
      }
    }
    catch (e) {
      if (e instanceof RestError)
        throw e
      const pg = asPgError(e)
      if (!pg)
        throw e
      throw new RestError(httpStatusFor(pg, who.role), pgErrorBody(pg))
    }
    const status = responseStatus(row.status)
    if (routine.returnKind === 'void')
      return sendEmpty(res, status ?? 204)
    const n = Number(row.n)
    // An empty set is "*/0" whether or not a count was asked for (PostgREST).
    const range = n === 0 ? '*/0' : `0-${n - 1}/${countExact ? n : '*'}`
    sendRawJson(res, status ?? 200, row.body ?? 'null', { 'Content-Range': range })
  }

  private async resolve(fn: string, keys: string[], allowWholeBody: boolean): Promise<Routine> {
    let found = matchRoutine(this.cache.get(fn), keys, allowWholeBody)
    if (!found && Date.now() - this.lastReload > 1000) {
      // Functions created after start (tests, `db reset` while running) appear without a restart;
      // rate-limited so a client hammering a missing function cannot turn each call into a catalog scan.
      await this.reload()
      found = matchRoutine(this.cache.get(fn), keys, allowWholeBody)
    }
    if (found && !Array.isArray(found))
      return found
    if (Array.isArray(found)) {
      const sig = (r: Routine): string => `${r.schema}.${r.name}(${r.inArgs.map(a => `${a.name} => ${a.type}`).join(', ')})`
      throw pgrst(300, 'PGRST203', `Could not choose the best candidate function between: ${found.map(sig).join(', ')}`, null, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved')
    }
    const sorted = [...keys].sort()
    const qualified = `${EXPOSED_SCHEMA}.${fn}`
    const message = sorted.length
      ? `Could not find the function ${qualified}(${sorted.join(', ')}) in the schema cache`
      : `Could not find the function ${qualified} without parameters in the schema cache`
    const details = sorted.length
      ? `Searched for the function ${qualified} with parameters ${sorted.join(', ')} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`
      : `Searched for the function ${qualified} without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`
    throw pgrst(404, 'PGRST202', message, details, this.hint(fn))
  }

  private hint(fn: string): string | null {
    // No identifier is longer than 63 bytes; a longer name is hostile and the edit distance is quadratic.
    if (fn.length > 66)
      return null
    const same = this.cache.get(fn)[0]
    const near = same ?? this.cache.names().map(n => ({ n, d: distance(n, fn) })).filter(x => x.d <= 3).sort((a, b) => a.d - b.d).map(x => this.cache.get(x.n)[0]!)[0]
    if (!near)
      return null
    return `Perhaps you meant to call the function ${near.schema}.${near.name}(${near.inArgs.map(a => a.name).join(', ')})`
  }
}

/** The status a function set with set_config('response.status', …, true), as PostgREST reads it. */
function responseStatus(v: string | null | undefined): number | null {
  if (!v)
    return null
  const n = Number(v)
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : null
}

/**
 * The call, shaped like PostgREST's: arguments typed by json_to_record, result rendered by json_agg.
 * The arguments travel as one JSON literal — the body exactly as it came (already depth-checked), or
 * the query arguments — so no value is parsed into JS and serialised again.
 */
function buildCall(r: Routine, args: JsonObject, rawBody: string | undefined, singular: boolean): string {
  const target = `${qi(r.schema)}.${qi(r.name)}`
  const json = lit(rawBody ?? JSON.stringify(args))
  let call: string
  let prefix = ''
  if (takesWholeBody(r)) {
    call = `${target}(${json}::${r.inArgs[0]!.type})`
  }
  else {
    const given = r.inArgs.filter(a => Object.prototype.hasOwnProperty.call(args, a.name))
    if (given.length) {
      prefix = `with pgrst_args as (select * from json_to_record(${json}::json) as _(${given.map(a => `${qi(a.name)} ${a.type}`).join(', ')})) `
    }
    call = `${target}(${given.map(a => `${a.mode === 'v' ? 'variadic ' : ''}${qi(a.name)} := (select ${qi(a.name)} from pgrst_args)`).join(', ')})`
  }
  const one = (agg: string): string => `coalesce(${agg}->0, 'null'::json)`
  let sql: string
  if (r.returnKind === 'void') {
    sql = `${prefix}select null::text as body, count(*)::int as n from ${call} _t`
  }
  else if (r.returnKind === 'scalar') {
    const agg = 'json_agg(_t.pgrst_scalar)'
    const body = r.returnsSet && !singular ? `coalesce(${agg}, '[]'::json)` : one(agg)
    sql = `${prefix}select ${body}::text as body, count(*)::int as n from ${call} _t(pgrst_scalar)`
  }
  else {
    const agg = 'json_agg(_t)'
    const body = r.returnsSet && !singular ? `coalesce(${agg}, '[]'::json)` : one(agg)
    sql = `${prefix}select ${body}::text as body, count(*)::int as n from (select * from ${call}) _t`
  }
  // read after the call has run (the outer row is projected once the inner aggregate is done):
  // PostgREST answers with the status a function set in response.status, and commits
  return `select _r.body, _r.n, current_setting('response.status', true) as status from (${sql}) _r`
}

function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!
    d[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return d[b.length]!
}
