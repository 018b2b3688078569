// Builds the schema once per run (bootstrap, migrations, seeds); each test file copies it.
import { mkdir, writeFile } from 'node:fs/promises'
import { openDb } from '../local/db'
import { prepareDatabase } from '../local/migrate'
import { templateDbName, templatePath } from './db'
import { prepareSupabaseShaped, supabaseShaped } from './supabase-shape/prepare'

export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL
  if (url && supabaseShaped()) {
    // the Supabase-shaped stage: migrations and seeds applied as postgres, not as the superuser
    await prepareSupabaseShaped(url, templateDbName)
    return
  }
  if (url) {
    const admin = await openDb({ databaseUrl: url })
    await admin.exec(`drop database if exists ${templateDbName} with (force)`)
    await admin.exec(`create database ${templateDbName}`)
    await admin.close()
    const u = new URL(url)
    u.pathname = `/${templateDbName}`
    const db = await openDb({ databaseUrl: u.toString() })
    await prepareDatabase(db)
    await db.close()
    return
  }
  const db = await openDb()
  await prepareDatabase(db)
  const dump = await db.dumpDataDir!()
  await db.close()
  await mkdir('.local', { recursive: true })
  await writeFile(templatePath, Buffer.from(await dump.arrayBuffer()))
}
