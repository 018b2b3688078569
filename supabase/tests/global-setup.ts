import type { TestProject } from 'vitest/node'
// Builds the schema once per run (bootstrap, migrations, seeds); each test file copies it. On
// PGlite the migrated template is kept across runs (template.ts); on a PostgreSQL server each run
// makes a template database of its own, so that two runs on one server do not replace each other's.
import { randomUUID } from 'node:crypto'
import { openDb } from '../local/db'
import { prepareDatabase } from '../local/migrate'
import { prepareSupabaseShaped, supabaseShaped } from './supabase-shape/prepare'
import { pgliteTemplates } from './template'

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: the template tarball each test file loads (freshDb). */
    dbTemplateFile: string
    /** PostgreSQL: this run's template database, which each test file copies (freshDb). */
    dbTemplateName: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const url = process.env.DATABASE_URL
  if (!url) {
    project.provide('dbTemplateFile', (await pgliteTemplates()).seeded)
    project.provide('dbTemplateName', '')
    return undefined
  }
  const name = `xxdzz_template_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  project.provide('dbTemplateFile', '')
  project.provide('dbTemplateName', name)
  if (supabaseShaped()) {
    // the Supabase-shaped stage: migrations and seeds applied as postgres, not as the superuser
    await prepareSupabaseShaped(url, name)
  }
  else {
    const admin = await openDb({ databaseUrl: url })
    await admin.exec(`create database ${name}`)
    await admin.close()
    const u = new URL(url)
    u.pathname = `/${name}`
    const db = await openDb({ databaseUrl: u.toString() })
    await prepareDatabase(db)
    await db.close()
  }
  return async () => {
    const admin = await openDb({ databaseUrl: url })
    await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {})
    await admin.close()
  }
}
