// PostgREST's view of the callable API: the functions of the exposed schema, read from pg_catalog
// once and kept until reloaded (PostgREST does the same and reloads on NOTIFY/SIGUSR1).
import type { Queryable } from './db'

export interface RoutineArg {
  name: string
  type: string
  /** pg_proc.proargmodes: i in, o out, b inout, v variadic, t table column */
  mode: 'i' | 'o' | 'b' | 'v' | 't'
}

export type ReturnKind = 'void' | 'scalar' | 'composite'

export interface Routine {
  schema: string
  name: string
  /** Input arguments in declaration order. */
  inArgs: RoutineArg[]
  /** How many trailing input arguments have defaults. */
  nDefaults: number
  returnsSet: boolean
  returnKind: ReturnKind
  volatility: 'i' | 's' | 'v'
}

interface RawRoutine {
  name: string
  args: RoutineArg[]
  ndefaults: number
  retset: boolean
  rettype: string
  typtype: string
}

export class SchemaCache {
  private routines = new Map<string, Routine[]>()
  private settings = new Map<string, Array<[string, string]>>()

  constructor(readonly schema: string) {}

  async load(q: Queryable): Promise<void> {
    // Type names are formatted under the request search_path so the casts we emit resolve the same way.
    await q.query(`select set_config('search_path', $1, true)`, [`${this.schema}, extensions`])
    const { rows } = await q.query<{ j: string }>(
      `select coalesce(json_agg(json_build_object(
          'name', p.proname,
          'args', (select coalesce(json_agg(json_build_object(
                      'name', coalesce(p.proargnames[a.ord], ''),
                      'type', format_type(a.typ, null),
                      'mode', coalesce(p.proargmodes[a.ord]::text, 'i')) order by a.ord), '[]'::json)
                   from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality a(typ, ord)),
          'ndefaults', p.pronargdefaults,
          'retset', p.proretset,
          'rettype', format_type(p.prorettype, null),
          'typtype', t.typtype::text,
          'volatility', p.provolatile::text)), '[]'::json)::text as j
         from pg_proc p
         join pg_namespace n on n.oid = p.pronamespace
         join pg_type t on t.oid = p.prorettype
        where n.nspname = $1 and p.prokind = 'f'`,
      [this.schema],
    )
    const raw = JSON.parse(rows[0]?.j ?? '[]') as Array<RawRoutine & { volatility: Routine['volatility'] }>
    const next = new Map<string, Routine[]>()
    for (const r of raw) {
      const hasOut = r.args.some(a => a.mode === 'o' || a.mode === 't' || a.mode === 'b')
      const returnKind: ReturnKind = r.rettype === 'void'
        ? 'void'
        : (r.typtype === 'c' || r.rettype === 'record' || hasOut) ? 'composite' : 'scalar'
      const routine: Routine = {
        schema: this.schema,
        name: r.name,
        inArgs: r.args.filter(a => a.mode === 'i' || a.mode === 'b' || a.mode === 'v'),
        nDefaults: r.ndefaults,
        returnsSet: r.retset,
        returnKind,
        volatility: r.volatility,
      }
      const list = next.get(r.name) ?? []
      list.push(routine)
      next.set(r.name, list)
    }
    this.routines = next
    this.settings = await loadRoleSettings(q)
  }

  /** `alter role … set x = y` settings PostgREST applies when it switches to that role (e.g. statement_timeout). */
  roleSettings(role: string): Array<[string, string]> {
    return this.settings.get(role) ?? []
  }

  get(name: string): Routine[] {
    return this.routines.get(name) ?? []
  }

  names(): string[] {
    return [...this.routines.keys()]
  }
}

/** A routine whose only parameter is an unnamed json/jsonb receives the whole request body. */
export function takesWholeBody(r: Routine): boolean {
  return r.inArgs.length === 1 && r.inArgs[0]!.name === '' && (r.inArgs[0]!.type === 'json' || r.inArgs[0]!.type === 'jsonb')
}

/** PostgREST's overload resolution by argument names: all required given, nothing unknown. */
export function matchRoutine(candidates: Routine[], keys: string[], allowWholeBody: boolean): Routine | Routine[] | undefined {
  const given = new Set(keys)
  const matches = candidates.filter((r) => {
    if (r.inArgs.some(a => a.name === ''))
      return false
    const names = new Set(r.inArgs.map(a => a.name))
    const required = r.inArgs.slice(0, r.inArgs.length - r.nDefaults)
    return keys.every(k => names.has(k)) && required.every(a => given.has(a.name))
  })
  if (matches.length === 1)
    return matches[0]
  if (matches.length > 1) {
    // Prefer the overload whose parameter count equals what was given, as PostgREST does.
    const exact = matches.filter(r => r.inArgs.length === keys.length)
    return exact.length === 1 ? exact[0] : matches
  }
  if (allowWholeBody)
    return candidates.find(takesWholeBody)
  return undefined
}

/**
 * PostgREST's impersonated-role settings: per role, the settings of `pg_db_role_setting` for all
 * databases and for this one (this one wins), limited to those a plain user may set, as PostgREST
 * applies them with set_config after switching role (Supabase: anon 3s, authenticated 8s).
 */
async function loadRoleSettings(q: Queryable): Promise<Map<string, Array<[string, string]>>> {
  const { rows } = await q.query<{ role: string, name: string, value: string }>(
    `select distinct on (r.rolname, kv.name) r.rolname as role, kv.name, kv.value
       from pg_catalog.pg_db_role_setting s
       join pg_catalog.pg_roles r on r.oid = s.setrole
       cross join lateral (select split_part(c, '=', 1) as name, substr(c, strpos(c, '=') + 1) as value
                             from unnest(s.setconfig) c) kv
      where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
        and kv.name in (select name from pg_catalog.pg_settings where context = 'user')
        -- these two change how the request's SQL text is read: never from a role setting
        and kv.name not in ('client_encoding', 'standard_conforming_strings')
      order by r.rolname, kv.name, s.setdatabase desc`,
  )
  const out = new Map<string, Array<[string, string]>>()
  for (const r of rows) {
    const list = out.get(r.role) ?? []
    list.push([r.name, r.value])
    out.set(r.role, list)
  }
  return out
}
