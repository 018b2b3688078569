import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// CONTRIBUTING (SQL): every API function's revoke and grant stand right under its definition, so
// that who may call it is read where it is defined, not in a block elsewhere in the file.
const MIGRATIONS = join(__dirname, '../../supabase/migrations')

function misplaced(): string[] {
  const out: string[] = []
  for (const f of readdirSync(MIGRATIONS).filter(f => f.endsWith('.sql'))) {
    const sql = readFileSync(join(MIGRATIONS, f), 'utf8')
    // every statement that begins a line with `create`; a function's own text runs to the next one
    const starts = [...sql.matchAll(/^create\b/gim)].map(m => m.index!)
    for (const [i, at] of starts.entries()) {
      const name = /^create (?:or replace )?function public\.(\w+)\s*\(/i.exec(sql.slice(at, at + 200))?.[1]
      if (!name)
        continue
      const own = sql.slice(at, starts[i + 1] ?? sql.length)
      const revoke = new RegExp(`^revoke execute on function public\\.${name}\\(.*\\) from public\\b`, 'im')
      const grant = new RegExp(`^grant execute on function public\\.${name}\\(.*\\) to `, 'im')
      if (!revoke.test(own) || !grant.test(own))
        out.push(`${f}: public.${name}`)
    }
  }
  return out
}

// every revoke or grant of execute names one function, the one defined right above it (app helpers
// too): a block of grants at the end of a file, or a grant far from its function, is reported
function strayGrants(): string[] {
  const out: string[] = []
  for (const f of readdirSync(MIGRATIONS).filter(f => f.endsWith('.sql'))) {
    const sql = readFileSync(join(MIGRATIONS, f), 'utf8')
    let current: string | undefined
    for (const m of sql.matchAll(/^create (?:or replace )?function (\w+\.\w+)\s*\(|^(?:revoke|grant) execute on function ([^;]*);/gim)) {
      if (m[1]) {
        current = m[1]
        continue
      }
      const named = [...m[2]!.matchAll(/(\w+\.\w+)\s*\(/g)].map(x => x[1])
      if (named.length !== 1 || named[0] !== current)
        out.push(`${f}: ${named.join(', ')} (under ${current ?? 'no function'})`)
    }
  }
  return out
}

describe('migrations', () => {
  it('revoke and grant every function right under its definition, one function each', () => {
    expect(strayGrants()).toEqual([])
  })

  it('revoke and grant each public function right under its definition', () => {
    expect(misplaced()).toEqual([])
  })

  it('the check finds the API functions', () => {
    const all = readdirSync(MIGRATIONS).map(f => readFileSync(join(MIGRATIONS, f), 'utf8')).join('\n')
    expect([...all.matchAll(/^create (?:or replace )?function public\./gim)].length).toBeGreaterThan(100)
  })
})
