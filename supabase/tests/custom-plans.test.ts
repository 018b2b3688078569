import type { Db } from '../local/db'
// Readers whose work grows with the organisation asked about are planned on every call
// (plan_cache_mode = force_custom_plan, #15). PL/pgSQL keeps a statement's plan per connection and,
// after five calls, may settle on a generic one made without the organisation: planned for a
// branch, it ran a province's attendance summary in 8.4 s instead of 0.5 (`npm run bench:api --
// scale` calls a branch's views before the top view's, as a pooled connection would). The plans
// themselves depend on the data's size, so what a test can hold is the setting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb } from './db'

const PLANNED_PER_CALL = [
  'app.attendance_summary(uuid,date,date,jsonb,integer,integer)',
  'app.plan_progress_data(uuid,uuid,uuid[],integer,text,uuid,integer)',
]

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('subtree readers', () => {
  it('are planned for the organisation of each call', async () => {
    const { rows } = await db.query<{ fn: string, config: string[] | null }>(
      `select p.oid::regprocedure::text as fn, p.proconfig as config from pg_proc p where p.oid::regprocedure::text = any ($1)`,
      [PLANNED_PER_CALL],
    )
    expect(rows.map(r => r.fn).sort()).toEqual([...PLANNED_PER_CALL].sort())
    for (const r of rows)
      expect({ fn: r.fn, config: r.config }).toEqual({ fn: r.fn, config: expect.arrayContaining(['plan_cache_mode=force_custom_plan']) })
  })
})
