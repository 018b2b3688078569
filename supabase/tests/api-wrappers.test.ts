// Every wrapper in src/api calls a function that exists in `public`, with argument names it has,
// and passes each argument it requires: the wrappers are read with the TypeScript compiler (each
// `rpc('name', { p_… })` call), the functions from pg_proc of the migrated database.
import type { Db } from '../local/db'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb } from './db'

const API = join(__dirname, '../../src/api')

interface Call { file: string, line: number, fn: string, args: string[] | null }

/**
 * The argument names a call can pass: one list for an object literal (or none given), one per
 * branch of `cond ? { … } : { … }`; null for anything else, which cannot be checked.
 */
function argVariants(arg: ts.Expression | undefined): (string[] | null)[] {
  if (!arg)
    return [[]]
  if (ts.isParenthesizedExpression(arg))
    return argVariants(arg.expression)
  if (ts.isConditionalExpression(arg))
    return [...argVariants(arg.whenTrue), ...argVariants(arg.whenFalse)]
  if (!ts.isObjectLiteralExpression(arg))
    return [null]
  const names: string[] = []
  for (const p of arg.properties) {
    if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))
      names.push(p.name.text)
    else
      return [null]
  }
  return [names]
}

/** The rpc() calls of src/api; `args` is null when they are not object literals. */
function wrapperCalls(): Call[] {
  const calls: Call[] = []
  for (const file of readdirSync(API).filter(f => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const src = ts.createSourceFile(file, readFileSync(join(API, file), 'utf8'), ts.ScriptTarget.Latest, true)
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'rpc') {
        const [name, arg] = node.arguments
        const line = src.getLineAndCharacterOfPosition(node.getStart()).line + 1
        // rpc's own definition forwards its parameters: not a wrapper
        if (name && ts.isStringLiteralLike(name)) {
          for (const args of argVariants(arg))
            calls.push({ file, line, fn: name.text, args })
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(src)
  }
  return calls
}

interface Proc { proname: string, args: string[], required: string[] }

let db: Db
let procs: Proc[]
beforeAll(async () => {
  db = await freshDb()
  // input arguments (modes i / b, or all when proargmodes is null) and those without a default
  const { rows } = await db.query<{ proname: string, names: string[] | null, modes: string[] | null, nargs: number, ndefaults: number }>(`
    select p.proname, p.proargnames as names, p.proargmodes::text[] as modes, p.pronargs as nargs, p.pronargdefaults as ndefaults
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public'`)
  procs = rows.map((r) => {
    const all = r.names ?? []
    const inputs = all.filter((_, i) => !r.modes || r.modes[i] === 'i' || r.modes[i] === 'b')
    return { proname: r.proname, args: inputs, required: inputs.slice(0, r.nargs - r.ndefaults) }
  })
})
afterAll(async () => {
  await db?.close()
})

describe('src/api wrappers against pg_proc', () => {
  const calls = wrapperCalls()

  it('are found', () => {
    // a guard on the parser: the areas have dozens of wrappers between them
    expect(calls.length).toBeGreaterThan(50)
    expect(calls.map(c => c.fn)).toContain('home_summary')
  })

  it('pass their arguments as an object literal, so that they can be checked', () => {
    expect(calls.filter(c => c.args === null).map(c => `${c.file}:${c.line} ${c.fn}`)).toEqual([])
  })

  it('each names a public function, with its argument names and every argument it requires', () => {
    const wrong = calls.flatMap((c) => {
      const overloads = procs.filter(p => p.proname === c.fn)
      if (!overloads.length)
        return [`${c.file}:${c.line} ${c.fn}: no such function in public`]
      const args = c.args ?? []
      const fits = overloads.some(p => args.every(a => p.args.includes(a)) && p.required.every(a => args.includes(a)))
      return fits ? [] : [`${c.file}:${c.line} ${c.fn}(${args.join(', ')}) matches no ${overloads.map(p => `${c.fn}(${p.args.join(', ')})`).join(' or ')}`]
    })
    expect(wrong).toEqual([])
  })
})
