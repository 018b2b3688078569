// The Supabase-shaped database stage (.ci/run): the db and api suites on PostgreSQL 15 prepared as
// a Supabase project is — `postgres` without superuser (CREATEROLE CREATEDB REPLICATION BYPASSRLS),
// the API roles, authenticator, supabase_auth_admin owning auth's tables, supabase_realtime_admin
// owning realtime.messages, extensions in `extensions` — with the migrations applied one
// transaction per file and the seeds after them, both as `postgres` (supabase/tests/supabase-shape).
//
// It runs its own throwaway cluster with the server's binaries: `postgres` can only lose superuser
// on a cluster whose bootstrap superuser is another role (there `supabase_admin`, as in Supabase's
// image); on the shared server `postgres` is the bootstrap superuser.
//
// No supautils stand-in is needed: the one statement Supabase allows through supautils, the
// policy on realtime.messages (core migration), passes because postgres is a member of
// supabase_realtime_admin, which owns the table — as in a hosted project's roles.
import { spawnSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDb } from '../supabase/local/db'
import { prepareSupabaseShaped } from '../supabase/tests/supabase-shape/prepare'
import { freePort } from './freePort'
import { vitest } from './throwaway-db'

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
const asRoot = process.getuid?.() === 0

let passed = 0
let failed = 0
function check(what: string, ok: boolean, detail = ''): void {
  if (ok)
    passed++
  else failed++
  console.log(`[supabase-shaped] ${ok ? 'ok' : 'FAILED'}: ${what}${ok || !detail ? '' : ` — ${detail}`}`)
}

/** PostgreSQL refuses to run as root: the server's own OS user runs it then. */
function pgTool(tool: string, args: string[]): void {
  const cmd = asRoot ? 'runuser' : join(PG_BIN, tool)
  const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, tool), ...args] : args
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0)
    throw new Error(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal})`)
}

/** The facts the stage stands on, read from the prepared database as its superuser. */
async function checkShape(url: string, migrations: string[], seeded: boolean): Promise<void> {
  const db = await openDb({ databaseUrl: url })
  try {
    const one = async <T>(sql: string): Promise<T> => (await db.query<{ v: T }>(`select (${sql}) as v`)).rows[0]!.v
    check('postgres is not a superuser but has CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS, LOGIN', await one(`select not rolsuper and rolcreaterole and rolcreatedb and rolreplication and rolbypassrls and rolcanlogin from pg_roles where rolname = 'postgres'`))
    check('postgres may become anon, authenticated, service_role and authenticator, and inherits supabase_realtime_admin', await one(`select bool_and(pg_has_role('postgres', r, 'member')) and pg_has_role('postgres', 'supabase_realtime_admin', 'usage')
                   from unnest(array['anon', 'authenticated', 'service_role', 'authenticator']) r`))
    check('auth\'s tables belong to supabase_auth_admin', await one(`select bool_and(pg_get_userbyid(relowner) = 'supabase_auth_admin') and count(*) >= 5 from pg_class where relnamespace = 'auth'::regnamespace and relkind = 'r'`))
    check('realtime.messages belongs to supabase_realtime_admin', await one(`select pg_get_userbyid(relowner) = 'supabase_realtime_admin' from pg_class where oid = 'realtime.messages'::regclass`))
    check('pgcrypto and uuid-ossp live in extensions', await one(`select count(*) = 2 from pg_extension where extname in ('pgcrypto', 'uuid-ossp') and extnamespace = 'extensions'::regnamespace`))
    const files = (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.length
    check(`every migration applied as postgres, one transaction per file (${migrations.length})`, migrations.length > 0 && files === migrations.length)
    check('the seeds applied as postgres after them', seeded && await one<boolean>(`select count(*) > 0 from auth.users`))
    check('every object of the app schema belongs to postgres', await one(`select bool_and(pg_get_userbyid(relowner) = 'postgres') from pg_class where relnamespace = 'app'::regnamespace and relkind in ('r', 'p', 'v')`))
    const definers = await db.query<{ f: string }>(
      `select p.oid::regprocedure::text as f from pg_proc p where p.prosecdef and p.pronamespace in ('app'::regnamespace, 'public'::regnamespace)
          and (pg_get_userbyid(p.proowner) <> 'postgres' or not coalesce('search_path=""' = any (p.proconfig), false))`,
    )
    check('every security definer function is owned by postgres with an empty search_path', definers.rows.length === 0, definers.rows.map(r => r.f).join(', '))
  }
  finally {
    await db.close()
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'supabase-shaped-'))
  const data = join(dir, 'data')
  if (asRoot)
    chownSync(dir, Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim()), Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim()))
  const port = await freePort()
  let started = false
  try {
    pgTool('initdb', ['-D', data, '-U', 'supabase_admin', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start'])
    started = true
    const superuser = `postgres://supabase_admin@127.0.0.1:${port}/postgres`
    const version = await openDb({ databaseUrl: superuser })
    console.log(`[supabase-shaped] ${(await version.query<{ v: string }>('select version() as v')).rows[0]!.v}`)
    await version.close()

    // api: one database prepared as a project, checked, then served by the local stack (as the platform)
    const { migrations, seeded } = await prepareSupabaseShaped(superuser, 'project')
    const project = superuser.replace(/\/postgres$/, '/project')
    await checkShape(project, migrations, seeded)

    // db: its global setup prepares the template the same way (SUPABASE_SHAPED)
    const dbCode = vitest('db', superuser, { SUPABASE_SHAPED: '1' })
    check('the SQL suite passes on it', dbCode === 0)
    const apiCode = vitest('api', project)
    check('the API suite passes on it', apiCode === 0)
  }
  catch (e) {
    check('the stage ran to its end', false, (e as Error).message)
  }
  finally {
    if (started)
      pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`supabase-shaped: ${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
