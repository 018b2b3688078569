// applyMigrations against the history a database already holds (supabase/local/migrate.ts).
import type { Db } from '../local/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyMigrations } from '../local/migrate'
import { freshDb } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const versions = async () => (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version')).rows.map(r => r.version)

describe('applyMigrations', () => {
  it('applies nothing to a database that ran every file', async () => {
    expect(await applyMigrations(db)).toEqual([])
  })

  it('refuses a history with versions no longer in the folder (squashed away), naming them and the reset, and changes nothing', async () => {
    // 202612010401_sessions_checkin.sql was folded into the sessions baseline
    await db.query(`insert into supabase_migrations.schema_migrations (version, name, statements) values ('202612010401', 'sessions_checkin', '{}')`)
    const before = await versions()
    await expect(applyMigrations(db)).rejects.toThrow(/not found in supabase\/migrations: 202612010401\..*npx tsx supabase\/local\/cli\.ts reset/)
    expect(await versions()).toEqual(before)
  })
})
