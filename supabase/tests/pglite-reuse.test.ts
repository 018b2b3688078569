// The PGlite copy that a worker's test files reuse (pglite-reuse.ts): what one file leaves behind,
// the next must not see. Runs on PGlite whatever DATABASE_URL says: it is the harness under test.
import type { Db } from '../local/db'
import { describe, expect, it } from 'vitest'
import { addMember, createUser, ids } from './db'
import { catalogFingerprint, idleCopies, reusedCopy } from './pglite-reuse'
import { pgliteTemplates, templateBlob } from './template'

const copy = async () => reusedCopy(async () => templateBlob((await pgliteTemplates()).seeded))

/** Every row of every table outside the system schemas, and every sequence's position. */
async function everything(db: Db): Promise<string> {
  const { rows } = await db.query<{ name: string, kind: string }>(
    `select c.oid::regclass::text as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'S') and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' order by 1`,
  )
  const parts: string[] = []
  for (const { name, kind } of rows) {
    const sql = kind === 'S'
      ? `select last_value || ':' || is_called as v from ${name}`
      : `select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as v from ${name} x`
    parts.push(`${name}=${(await db.query<{ v: string }>(sql)).rows[0]!.v}`)
  }
  return parts.join('\n')
}

describe('a reused PGlite copy', () => {
  it('comes back with the template\'s rows, sequences and session after a file wrote, listened and changed settings', async () => {
    const first = await copy()
    const template = await everything(first)
    const session = async (db: Db) => (await db.query(
      `select current_setting('search_path') as path, current_setting('timezone') as tz,
              nullif(current_setting('request.jwt.claims', true), '') as claims, current_user::text as who`,
    )).rows[0]
    const templateSession = await session(first)
    // rows through the app's triggers (summaries follow), an update, a delete, an identity value
    const user = await createUser(first, { name: '复用测试' })
    await addMember(first, ids.branchA, user)
    await first.query(`update app.organisations set name = name || '改' where id = $1`, [ids.branchA])
    await first.query(`delete from app.memberships where user_id = $1`, [ids.teacherB])
    // statistics are not the catalog: a file may ANALYZE and still hand its copy on
    await first.exec('analyze app.memberships')
    await first.exec('vacuum app.organisations')
    await first.query(`insert into app.audit_log (actor_id, org_id, action) values ($1, $2, 'reuse.probe')`, [user, ids.branchA])
    await first.exec(`set search_path = app; set timezone = 'Asia/Shanghai'; set role authenticated; select set_config('request.jwt.claims', '{"sub":"x"}', false)`)
    const heard: string[] = []
    await first.listen('reuse_probe', p => heard.push(p))
    expect(await session(first)).not.toEqual(templateSession)
    await first.exec('reset role')
    expect(await everything(first)).not.toEqual(template)
    await first.exec('set role authenticated')
    const idleBefore = idleCopies()
    await first.close()
    expect(idleCopies()).toBe(idleBefore + 1)

    const second = await copy()
    expect(idleCopies()).toBe(idleBefore)
    expect(await everything(second)).toEqual(template)
    expect(await session(second)).toEqual(templateSession)
    await second.exec(`notify reuse_probe, 'after'`)
    expect(heard).toEqual([])
    await second.close()
  })

  it('refuses the closed handle, so that a file\'s late work cannot reach the next file\'s database', async () => {
    const db = await copy()
    await db.close()
    await expect(db.query('select 1')).rejects.toThrow('test database already closed')
  })

  it('notices any change to the catalog, and a copy so changed is not reused', async () => {
    const db = await copy()
    let before = await catalogFingerprint(db)
    for (const ddl of [
      `create function public.reuse_probe() returns int language sql as $$ select 1 $$`,
      `create or replace function public.reuse_probe() returns int language sql as $$ select 2 $$`,
      `grant select on app.organisations to anon`,
      `alter table app.organisations add column reuse_probe int`,
      `comment on table app.organisations is 'reuse probe'`,
      `create role reuse_probe`,
      `create temp table reuse_probe (x int)`,
    ]) {
      await db.exec(ddl)
      const after = await catalogFingerprint(db)
      expect(after, ddl).not.toBe(before)
      before = after
    }
    const idleBefore = idleCopies()
    await db.close()
    expect(idleCopies()).toBe(idleBefore)

    const next = await copy()
    expect((await next.query(`select 1 from pg_proc where proname = 'reuse_probe'`)).rows).toEqual([])
    await next.close()
  })
})
