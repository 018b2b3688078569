import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Every key the SQL can raise (`raise exception using message = '<area>.<key>'`) reaches the
// user through errors.<area>.<key> (src/api/errors.ts): each needs its own text in every
// language, not only the area's generic fallback.
const ROOT = join(__dirname, '../..')
const MIGRATIONS = join(ROOT, 'supabase/migrations')

function raisedKeys(): string[] {
  const keys = new Set<string>()
  for (const f of readdirSync(MIGRATIONS).filter(f => f.endsWith('.sql'))) {
    const sql = readFileSync(join(MIGRATIONS, f), 'utf8').replace(/--[^\n]*/g, '')
    for (const m of sql.matchAll(/\bmessage\s*=\s*'([a-z_]+(?:\.\w+)+)'/gi))
      keys.add(m[1]!)
  }
  return [...keys].sort()
}

function text(lang: string, key: string): unknown {
  const tree = JSON.parse(readFileSync(join(ROOT, 'src/locales', lang, 'errors.json'), 'utf8'))
  return key.split('.').reduce<any>((t, p) => t?.[p], tree)
}

describe('error keys raised by the SQL', () => {
  const keys = raisedKeys()

  it('are found in the migrations', () => {
    // a guard on the parser itself: the migrations raise well over a hundred keys
    expect(keys.length).toBeGreaterThan(100)
    expect(keys).toContain('auth.required')
  })

  it.each(['zh-CN', 'en'])('each has a text in %s', (lang) => {
    expect(keys.filter(k => typeof text(lang, k) !== 'string' || text(lang, k) === '')).toEqual([])
  })
})
