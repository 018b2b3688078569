// A database prepared as a Supabase project is: the platform's objects made by a superuser (as
// Supabase's image runs its init scripts; here supabase/local/bootstrap.sql plus roles.sql), then
// the migrations one transaction per file as `postgres`, which is not a superuser (as `supabase db
// push`), then the seeds as `postgres` (as `supabase db reset`). Used by the Supabase-shaped CI
// stage (scripts/supabase-shaped-db.ts) for the db suite's template and the api suite's database.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openDb } from '../../local/db'
import { applyMigrations, applySeeds, bootstrap, ensureRealtimePartitions } from '../../local/migrate'

export const POSTGRES_PASSWORD = 'postgres'

function withDb(url: string, name: string, user?: { name: string, password: string }): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  if (user) {
    u.username = user.name
    u.password = user.password
  }
  return u.toString()
}

/** True when DATABASE_URL's server is the Supabase-shaped one (its postgres is no superuser). */
export function supabaseShaped(): boolean {
  return process.env.SUPABASE_SHAPED === '1'
}

/**
 * Makes database `name` on the server `superuserUrl` points at (connected as supabase_admin, the
 * server's bootstrap superuser) and prepares it as above. Returns what each step applied.
 */
export async function prepareSupabaseShaped(superuserUrl: string, name: string): Promise<{ migrations: string[], seeded: boolean }> {
  const server = await openDb({ databaseUrl: superuserUrl })
  try {
    await server.exec(await readFile(join(import.meta.dirname, 'roles.sql'), 'utf8'))
    await server.exec(`drop database if exists ${name} with (force)`)
    // a project's database belongs to postgres (so does its public schema, through pg_database_owner)
    await server.exec(`create database ${name} owner postgres`)
  }
  finally {
    await server.close()
  }
  const platform = await openDb({ databaseUrl: withDb(superuserUrl, name) })
  try {
    await bootstrap(platform)
    await platform.exec(await readFile(join(import.meta.dirname, 'database.sql'), 'utf8'))
  }
  finally {
    await platform.close()
  }
  const postgres = await openDb({ databaseUrl: withDb(superuserUrl, name, { name: 'postgres', password: POSTGRES_PASSWORD }) })
  try {
    const { rows } = await postgres.query<{ su: boolean }>('select rolsuper as su from pg_roles where rolname = current_user')
    if (rows[0]?.su !== false)
      throw new Error('postgres must not be a superuser here')
    await ensureRealtimePartitions(postgres)
    const migrations = await applyMigrations(postgres)
    const seeded = await applySeeds(postgres)
    return { migrations, seeded }
  }
  finally {
    await postgres.close()
  }
}
