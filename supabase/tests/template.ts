// The migrated PGlite databases the test suites start from, built once and kept in .local/ under a
// key made of everything that decides their content: bootstrap.sql, every migration and seed (name
// and text), the code that applies them and opens PGlite, and the PGlite build with its empty
// cluster. A change to any of these makes a new key, so a kept template is never stale; a fresh
// clone (no .local/) builds one in a few seconds. Two are kept: migrated and seeded (the db suite's
// files, the api suite's stack), and migrated only (a stack started with seed: false).
import type { Db } from '../local/db'
import { createHash, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { openDb } from '../local/db'
import { applySeeds, migrationsDir, prepareDatabase, seedsDir } from '../local/migrate'
import { clusterFile, pgliteVersion } from '../local/pglite-cluster'

const root = resolve(import.meta.dirname, '../..')
const dir = join(root, '.local/test-templates')

export interface PgliteTemplates {
  /** Bootstrap, migrations and seeds applied: an uncompressed tarball for PGlite's loadDataDir. */
  seeded: string
  /** Bootstrap and migrations only. */
  unseeded: string
}

async function sqlIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter(f => f.endsWith('.sql')).sort().map(f => join(folder, f))
}

async function templateKey(): Promise<string> {
  const h = createHash('sha256')
  const cluster = await clusterFile()
  const inputs = [
    join(root, 'supabase/local/bootstrap.sql'),
    join(root, 'supabase/local/migrate.ts'),
    join(root, 'supabase/local/db.ts'),
    join(root, 'supabase/local/pglite-cluster.ts'),
    import.meta.filename,
    ...await sqlIn(migrationsDir),
    ...await sqlIn(seedsDir),
    ...existsSync(cluster) ? [cluster] : [],
  ]
  h.update(`pglite ${await pgliteVersion()}\n`)
  for (const file of inputs) {
    h.update(`${file.slice(root.length)}\n`)
    h.update(await readFile(file))
    h.update('\n')
  }
  return h.digest('hex').slice(0, 20)
}

async function dump(db: Db, file: string): Promise<void> {
  const tar = await db.dumpDataDir!('none')
  // written beside and renamed: a run that reads it meanwhile (another worktree's) sees all or nothing
  const tmp = `${file}.${randomUUID().slice(0, 8)}.tmp`
  await writeFile(tmp, Buffer.from(await tar.arrayBuffer()))
  await rename(tmp, file)
}

/** The kept templates for the current SQL, built first if there are none. */
export async function pgliteTemplates(): Promise<PgliteTemplates> {
  const key = await templateKey()
  const t: PgliteTemplates = { seeded: join(dir, `${key}-seeded.tar`), unseeded: join(dir, `${key}-unseeded.tar`) }
  if (existsSync(t.seeded) && existsSync(t.unseeded))
    return t
  await mkdir(dir, { recursive: true })
  const db = await openDb()
  try {
    await prepareDatabase(db, { seed: false })
    await dump(db, t.unseeded)
    await applySeeds(db)
    await dump(db, t.seeded)
  }
  finally {
    await db.close()
  }
  // older keys' templates are never read again
  for (const f of await readdir(dir)) {
    if (!f.startsWith(key) && !f.endsWith('.tmp'))
      await rm(join(dir, f), { force: true })
  }
  return t
}

/** A template file's bytes, as PGlite's loadDataDir takes them. */
export async function templateBlob(file: string): Promise<Blob> {
  return new Blob([await readFile(file)], { type: 'application/x-tar' })
}
