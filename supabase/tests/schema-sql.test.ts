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

describe('supabase/schema.sql', () => {
  it('is what the migrations make (regenerate with npm run schema)', async () => {
    const current = await schemaSql(db)
    expect(current).toContain('create table app.organisations')
    expect(readFileSync(schemaFile, 'utf8') === current, 'supabase/schema.sql is out of date: run npm run schema').toBe(true)
  })
})
