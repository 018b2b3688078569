import type { Db } from '../local/db'
// Where the app keeps a copy of a rule the SQL enforces (a picker's choices, a form's instant
// check), the copy must say exactly what the SQL says: each list here is read from the catalog
// (check constraints) or asked of the SQL function itself.
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORG_KINDS, ROLE_RANK, ROLES } from '../../src/api/core'
import { INBOX_KINDS } from '../../src/api/inbox'
import { VISIBILITIES } from '../../src/api/readings'
import { ARTICLE_STATES } from '../../src/api/research'
import { CHECKIN_STATUSES, LEAVE_STATUSES, SESSION_KINDS } from '../../src/api/sessions'
import { TOPIC_STATUSES } from '../../src/api/topics'
import { CHILD_KINDS } from '../../src/components/admin/orgRules'
import { freshDb } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

/** The values of a `check (col = any (array[...]))` constraint on app.<table>. */
async function checked(constraint: string): Promise<string[]> {
  const { rows } = await db.query<{ def: string }>(
    `select pg_get_constraintdef(k.oid) as def from pg_constraint k
      where k.connamespace = 'app'::regnamespace and k.conname = $1`,
    [constraint],
  )
  expect(rows, constraint).toHaveLength(1)
  return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map(m => m[1]!)
}

describe('the app\'s copies of SQL rules', () => {
  it.each([
    ['organisations_kind_check', ORG_KINDS],
    ['memberships_role_check', ROLES],
    ['checkins_status_check', CHECKIN_STATUSES],
    ['leave_requests_status_check', LEAVE_STATUSES],
    ['topics_status_check', TOPIC_STATUSES],
    ['research_articles_state_check', ARTICLE_STATES],
    ['notes_visibility_check', VISIBILITIES],
    ['inbox_items_kind_check', INBOX_KINDS],
    // a push is written in the language of the app it was subscribed from: one per locale folder
    ['push_subscriptions_lang_check', readdirSync(new URL('../../src/locales', import.meta.url), { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name)],
  ])('%s lists what the app offers', async (constraint, values) => {
    expect([...values].sort()).toEqual((await checked(constraint)).sort())
  })

  it('session kinds are app.session_kinds, which the table\'s check and session_save read', async () => {
    const { rows } = await db.query<{ k: string[], def: string }>(
      `select app.session_kinds() as k, pg_get_constraintdef(k.oid) as def from pg_constraint k where k.conname = 'sessions_kind_check'`,
    )
    expect(rows[0]!.def).toContain('app.session_kinds()')
    expect([...rows[0]!.k].sort()).toEqual([...SESSION_KINDS].sort())
  })

  it('role ranks are app.rank_of', async () => {
    const { rows } = await db.query<{ role: string, rank: number }>(
      `select r as role, app.rank_of(r) as rank from unnest($1::text[]) r`,
      [ROLES],
    )
    expect(Object.fromEntries(rows.map(r => [r.role, r.rank]))).toEqual(ROLE_RANK)
  })

  it('which kind may sit under which is app.org_kind_allowed', async () => {
    const { rows } = await db.query<{ parent: string, kind: string }>(
      `select p as parent, k as kind from unnest($1::text[]) p, unnest($1::text[]) k
        where app.org_kind_allowed(p, k) order by 1, 2`,
      [ORG_KINDS],
    )
    const fromSql = Object.fromEntries(ORG_KINDS.map(p => [p, rows.filter(r => r.parent === p).map(r => r.kind).sort()]))
    const fromApp = Object.fromEntries(Object.entries(CHILD_KINDS).map(([p, ks]) => [p, [...ks].sort()]))
    expect(fromApp).toEqual(fromSql)
  })
})
