import type { Db, Queryable } from '../local/db'
// SQL tests run the real migrations on a real engine: PGlite by default, the PostgreSQL
// server named by DATABASE_URL otherwise. The schema is built once per run (global setup)
// and each test file starts from a copy of it: on a server a database made from the template, on
// PGlite a copy a worker's files reuse, put back into the template's state between them (pglite-reuse.ts).
import { randomUUID } from 'node:crypto'
import { expect, inject } from 'vitest'
import { openDb } from '../local/db'
import { reusedCopy } from './pglite-reuse'
import { templateBlob } from './template'

export const ids = {
  bureau: '00000000-0000-4000-8000-000000000001',
  bureauBranch: '00000000-0000-4000-8000-000000000030',
  school1: '00000000-0000-4000-8000-000000000010',
  branchA: '00000000-0000-4000-8000-000000000011',
  branchA2: '00000000-0000-4000-8000-000000000012',
  school2: '00000000-0000-4000-8000-000000000020',
  branchB: '00000000-0000-4000-8000-000000000021',
  groupB: '00000000-0000-4000-8000-000000000022',
  admin: '00000000-0000-4000-a000-000000000001',
  secretaryA: '00000000-0000-4000-a000-000000000002',
  secretaryB: '00000000-0000-4000-a000-000000000003',
  teacherA: '00000000-0000-4000-a000-000000000004',
  teacherA2: '00000000-0000-4000-a000-000000000005',
  teacherA2branch: '00000000-0000-4000-a000-000000000006',
  teacherB: '00000000-0000-4000-a000-000000000007',
  teacherBgroup: '00000000-0000-4000-a000-000000000008',
  principal: '00000000-0000-4000-a000-000000000009',
} as const

/** A database with the migrations and seeds applied, private to the calling test file. */
export async function freshDb(): Promise<Db> {
  const url = process.env.DATABASE_URL
  if (url) {
    const admin = await openDb({ databaseUrl: url })
    const name = `xxdzz_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    await admin.exec(`create database ${name} template ${inject('dbTemplateName')}`)
    await admin.close()
    const u = new URL(url)
    u.pathname = `/${name}`
    const db = await openDb({ databaseUrl: u.toString() })
    const close = db.close
    return {
      ...db,
      close: async () => {
        await close()
        const again = await openDb({ databaseUrl: url })
        await again.exec(`drop database if exists ${name} with (force)`).catch(() => {})
        await again.close()
      },
    }
  }
  return reusedCopy(() => templateBlob(inject('dbTemplateFile')))
}

export type Actor = Queryable & {
  /** Calls public.<fn> with named arguments, as PostgREST would. */
  rpc: <T = any>(fn: string, args?: Record<string, unknown>) => Promise<T>
}

/**
 * Runs each statement as PostgREST runs a request: in its own transaction, as role
 * authenticated (or anon when userId is null) with the JWT claims set.
 */
export function as(db: Db, userId: string | null): Actor {
  const role = userId ? 'authenticated' : 'anon'
  const claims = JSON.stringify(userId ? { sub: userId, role, aud: 'authenticated' } : { role })
  const run = <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction(async (tx) => {
    await tx.query(
      `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
              set_config('search_path', 'public, extensions', true)`,
      [role, claims],
    )
    return fn(tx)
  })
  return {
    query: (sql, params) => run(tx => tx.query(sql, params)),
    exec: sql => run(tx => tx.exec(sql)),
    rpc: async (fn, args = {}) => {
      const names = Object.keys(args)
      const list = names.map((n, i) => `${n} => $${i + 1}`).join(', ')
      const params = names.map((n) => {
        const v = args[n]
        return v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v
      })
      // as PostgREST: a function that returns normally commits, and answers with the status it set
      // in response.status (an error body when that status is 4xx/5xx)
      const { r, status } = await run(async (tx) => {
        const { rows } = await tx.query<{ r: any }>(`select public.${fn}(${list}) as r`, params)
        const s = await tx.query<{ s: string | null }>(`select current_setting('response.status', true) as s`)
        return { r: rows[0]?.r, status: Number(s.rows[0]?.s || 200) }
      })
      if (status >= 400)
        throw Object.assign(new Error(r?.message ?? String(status)), { status, body: r })
      return r
    },
  }
}

/** Asserts that a promise fails with the given error key (the SQL error message). */
export async function expectError(p: Promise<unknown>, key: string): Promise<void> {
  await expect(p).rejects.toThrow(new RegExp(`^${key.replaceAll('.', '\\.')}$`))
}

/**
 * A user row as GoTrue writes one ('' in the columns it scans as strings; see auth-shape.test.ts).
 * A phone given is verified (phone_confirmed_at set) unless `phoneConfirmed: false`.
 */
export async function createUser(db: Db, opts: { name?: string, email?: string, phone?: string, phoneConfirmed?: boolean } = {}): Promise<string> {
  const id = randomUUID()
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, phone, phone_confirmed_at, encrypted_password, confirmation_token, recovery_token,
                             email_change_token_new, email_change_token_current, email_change, phone_change, phone_change_token,
                             reauthentication_token, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3,
             case when $3::text is not null and $5 then now() end, '', '', '', '', '', '', '', '', '',
             '{"provider":"email","providers":["email"]}', jsonb_build_object('display_name', $4::text), now(), now())`,
    [id, opts.email ?? `${id.slice(0, 8)}@test.example`, opts.phone ?? null, opts.name ?? `测试${id.slice(0, 4)}`, opts.phoneConfirmed ?? true],
  )
  return id
}

export async function addMember(db: Db, orgId: string, userId: string, role = 'member'): Promise<void> {
  await db.query('insert into app.memberships (org_id, user_id, role) values ($1, $2, $3)', [orgId, userId, role])
}

export async function count(db: Db, sql: string, params?: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params)
  return rows[0].n
}
