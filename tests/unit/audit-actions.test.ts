// Every act the SQL writes to the audit log is shown by name in the audit screen, in both
// languages: the actions are read from the migrations' app.audit(…) calls, and the few built with
// `||` are expanded from the lists the SQL builds them from.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { TOPIC_STATUSES } from '../../src/api/topics'

const MIGRATIONS = new URL('../../supabase/migrations/', import.meta.url)
const sql = readdirSync(MIGRATIONS).filter(f => f.endsWith('.sql')).map(f => readFileSync(new URL(f, MIGRATIONS), 'utf8')).join('\n')

/** the actions made by `'<prefix>' || x`, from the values x takes there */
const BUILT: Record<string, string[]> = {
  'topics.status_': TOPIC_STATUSES.filter(s => s !== 'draft'),
  'topics.post_': ['pin', 'unpin', 'hide', 'unhide'],
  'research.': ['return', 'recommend', 'select', 'unselect'],
  'join.': ['approve', 'decline'],
}

function actions(): string[] {
  const found = new Set<string>()
  for (const call of sql.matchAll(/app\.audit\(([^;]*);/g)) {
    const args = call[1]!
    for (const m of args.matchAll(/'([a-z_]+\.[a-z_]*)'\s*(\|\|)?/g)) {
      if (m[2]) {
        expect(BUILT, `the values of '${m[1]}' || …`).toHaveProperty([m[1]!])
        BUILT[m[1]!]!.forEach(v => found.add(m[1] + v))
      }
      else if (!m[1]!.endsWith('.')) {
        found.add(m[1]!)
      }
    }
  }
  return [...found].sort()
}

function at(messages: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], messages)
}

describe('audit actions', () => {
  const all = actions()
  it('are found in the migrations', () => {
    expect(all).toContain('member.set_role')
    expect(all).toContain('research.select')
    expect(all.length).toBeGreaterThan(40)
  })

  it.each(['zh-CN', 'en'])('each has a name in %s', (lang) => {
    const admin = JSON.parse(readFileSync(new URL(`../../src/locales/${lang}/admin.json`, import.meta.url), 'utf8'))
    const messages = admin.admin ?? admin
    expect(all.filter(a => typeof at(messages.audit.actions, a) !== 'string')).toEqual([])
  })
})
