// supabase/schema.sql is the whole current schema in one file: it must be what the migrations make.
import type { Db } from '../local/db'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { schemaFile, schemaSql } from '../../scripts/schema-sql'
import { freshDb } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

// The file is generated on PGlite (npm run schema). On a PostgreSQL server the definitions must be
// the same; the privilege lines are left out there, since a Supabase-shaped server's roles grant
// differently (supabase_admin, default privileges) and tests/parity and lints check them instead.
const onServer = Boolean(process.env.DATABASE_URL)
const comparable = (sql: string) => onServer ? sql.split('\n').filter(l => !/^-- (?:schema|table|function) .*: /.test(l)).join('\n') : sql

describe('supabase/schema.sql', () => {
  it('is what the migrations make (regenerate with npm run schema)', async () => {
    const current = await schemaSql(db)
    expect(current).toContain('create table app.organisations')
    expect(comparable(readFileSync(schemaFile, 'utf8')) === comparable(current), 'supabase/schema.sql is out of date: run npm run schema').toBe(true)
  })
})
