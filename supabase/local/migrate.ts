import type { Db } from './db'
// Brings a database to the project's schema the way a Supabase project gets it: the platform's
// own objects first (bootstrap.sql), then supabase/migrations in order, each recorded in
// supabase_migrations.schema_migrations as the Supabase CLI does, then the seeds once.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const migrationsDir = join(root, 'supabase/migrations')
export const seedsDir = join(root, 'seeds')

export interface PrepareResult { applied: string[], seeded: boolean }

async function sqlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(f => f.endsWith('.sql')).sort()
  }
  catch {
    return []
  }
}

export async function bootstrap(db: Db): Promise<void> {
  const installed = await db.query<{ ok: boolean }>(
    `select to_regclass('supabase_migrations.schema_migrations') is not null as ok`,
  )
  if (installed.rows[0]?.ok) {
    // bootstrap.sql runs once per database: one made before auth.users had GoTrue's shape stays so
    const shaped = await db.query<{ ok: boolean }>(
      `select to_regclass('auth.one_time_tokens') is not null and exists (select 1 from information_schema.columns
        where table_schema = 'auth' and table_name = 'users' and column_name = 'reauthentication_token') as ok`,
    )
    if (!shaped.rows[0]?.ok)
      throw new Error('this database was bootstrapped by an older local stack (auth.users without GoTrue\'s columns): start afresh with `npx tsx supabase/local/cli.ts reset` (PGlite) or a new database')
    return
  }
  await db.exec(await readFile(join(root, 'supabase/local/bootstrap.sql'), 'utf8'))
}

export async function applyMigrations(db: Db): Promise<string[]> {
  const done = new Set((await db.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations',
  )).rows.map(r => r.version))
  const files = await sqlFiles(migrationsDir)
  // As `supabase db push` refuses a history holding versions the folder has not (the migrations
  // were squashed into area baselines, or a branch ran one that is gone): applying the rest over
  // an unknown schema would end anywhere.
  const local = new Set(files.map(f => f.split('_')[0]))
  const missing = [...done].filter(v => !local.has(v)).sort()
  if (missing.length) {
    throw new Error(`remote migration versions not found in supabase/migrations: ${missing.join(', ')}. `
      + 'This database ran migrations that have since been squashed or removed: start afresh with '
      + '`npx tsx supabase/local/cli.ts reset` (PGlite) or a new database')
  }
  const applied: string[] = []
  for (const file of files) {
    const [version, ...rest] = file.replace(/\.sql$/, '').split('_')
    if (done.has(version))
      continue
    const sql = await readFile(join(migrationsDir, file), 'utf8')
    try {
      await db.transaction(async (tx) => {
        await tx.exec(sql)
        await tx.query(
          'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
          [version, rest.join('_'), [sql]],
        )
      })
    }
    catch (e) {
      throw new Error(`migration ${file} failed: ${(e as Error).message}`, { cause: e })
    }
    applied.push(file)
  }
  return applied
}

/** Applies each seed file not applied before; returns whether any ran. */
export async function applySeeds(db: Db): Promise<boolean> {
  const done = new Set((await db.query<{ path: string }>(
    'select path from supabase_migrations.seed_files',
  )).rows.map(r => r.path))
  let any = false
  for (const file of await sqlFiles(seedsDir)) {
    if (done.has(file))
      continue
    const sql = await readFile(join(seedsDir, file), 'utf8')
    try {
      await db.transaction(async (tx) => {
        await tx.exec(sql)
        await tx.query('insert into supabase_migrations.seed_files (path, hash) values ($1, $2)', [
          file,
          createHash('sha256').update(sql).digest('hex'),
        ])
      })
    }
    catch (e) {
      throw new Error(`seed ${file} failed: ${(e as Error).message}`, { cause: e })
    }
    any = true
  }
  return any
}

/** Realtime makes each day's realtime.messages partition ahead of time; the stack does it when it starts. */
export async function ensureRealtimePartitions(db: Db): Promise<void> {
  // A data folder bootstrapped before partitioning has no such function (and no partitions to make).
  await db.exec(`do $$ begin
    if to_regprocedure('realtime.local_ensure_partitions()') is not null then perform realtime.local_ensure_partitions(); end if;
  end $$`)
}

/** onPhase is told when each step is done (the stack's memory trace, tests/bench/memory.ts). */
export async function prepareDatabase(db: Db, opts: { seed?: boolean, onPhase?: (phase: string) => void } = {}): Promise<PrepareResult> {
  const phase = opts.onPhase ?? (() => {})
  await bootstrap(db)
  await ensureRealtimePartitions(db)
  phase('bootstrap')
  const applied = await applyMigrations(db)
  phase(`migrations (${applied.length} applied)`)
  const seeded = opts.seed === false ? false : await applySeeds(db)
  phase(seeded ? 'seeds' : 'seeds (none to apply)')
  return { applied, seeded }
}
