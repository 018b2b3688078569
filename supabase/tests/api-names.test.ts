// Every API function (schema public) is named in the one pattern CONTRIBUTING gives (SQL, "Naming
// the API"): its subject first, from the list below, then what it does or what it returns
// (`session_cancel`, `topic_post_create`, `member_set_role`, `plan_detail`, `org_tree`), or
// `my_<thing>` for the caller's own. A function named another way (`create_x`, `get_x`) fails here.
import type { Db } from '../local/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb } from './db'

/** The subjects the API speaks of: a new one is added here, deliberately. */
const SUBJECTS = [
  'attendance',
  'audit',
  'home',
  'inbox',
  'invite',
  'join_request',
  'leave',
  'makeup',
  'member',
  'my',
  'note',
  'org',
  'pending_member',
  'plan',
  'profile',
  'push',
  'reading',
  'report',
  'research',
  'roster',
  'section',
  'session',
  'topic',
]

const pattern = new RegExp(`^(?:${SUBJECTS.join('|')})(?:_[a-z0-9]+)*$`)

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('API function names', () => {
  it('begin with a subject of the list (subject first, then the action or what it returns)', async () => {
    const { rows } = await db.query<{ name: string }>(`select distinct p.proname as name from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
      order by 1`)
    expect(rows.length).toBeGreaterThan(100)
    expect(rows.map(r => r.name).filter(n => !pattern.test(n))).toEqual([])
  })

  it('the pattern refuses the verb-first names it replaced', () => {
    expect(['get_session', 'create_plan', 'list_my_sessions', 'check_in'].filter(n => pattern.test(n))).toEqual([])
    expect(['session_detail', 'plan_create', 'my_sessions', 'session_check_in', 'topic_post_create'].every(n => pattern.test(n))).toBe(true)
  })
})
