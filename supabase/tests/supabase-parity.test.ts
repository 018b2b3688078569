import type { Db } from '../local/db'
// Where the local bootstrap must match a Supabase project (supabase/local/bootstrap.sql): what
// realtime.send writes, realtime.messages' shape, the roles' attributes and settings, and what the
// service role gets. Runs on PGlite and on PostgreSQL (npm run test:pg, and the Supabase-shaped stage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

describe('realtime as Supabase has it', () => {
  it('realtime.send puts the message row\'s id into the payload, unless the payload has its own', async () => {
    await db.query(`select realtime.send('{"n": 1}', 'ev', 'parity:send', true), realtime.send('{"id": "mine"}', 'ev', 'parity:own', false)`)
    const { rows } = await db.query<{ topic: string, id: string, payload_id: string, private: boolean }>(
      `select topic, id::text, payload ->> 'id' as payload_id, private from realtime.messages where topic like 'parity:%' order by topic`,
    )
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatchObject({ topic: 'parity:own', payload_id: 'mine', private: false })
    expect(rows[1]).toMatchObject({ topic: 'parity:send', private: true })
    expect(rows[1]!.payload_id).toBe(rows[1]!.id)
  })

  it('realtime.messages has Supabase\'s columns and defaults (private false), keyed by (id, inserted_at)', async () => {
    const { rows } = await db.query<{ column_name: string, d: string }>(
      `select column_name, data_type || case when is_nullable = 'NO' then ' not null' else '' end || coalesce(' default ' || column_default, '') as d
         from information_schema.columns where table_schema = 'realtime' and table_name = 'messages'`,
    )
    expect(Object.fromEntries(rows.map(r => [r.column_name, r.d]))).toEqual({
      topic: 'text not null',
      extension: 'text not null',
      payload: 'jsonb',
      event: 'text',
      private: 'boolean default false',
      updated_at: 'timestamp without time zone not null default now()',
      inserted_at: 'timestamp without time zone not null default now()',
      id: 'uuid not null default gen_random_uuid()',
    })
    await db.query(`insert into realtime.messages (topic, extension) values ('parity:default', 'broadcast')`)
    expect((await db.query(`select private from realtime.messages where topic = 'parity:default'`)).rows).toEqual([{ private: false }])
    const pk = await db.query<{ def: string }>(`select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'realtime.messages'::regclass and contype = 'p'`)
    expect(pk.rows).toEqual([{ def: 'PRIMARY KEY (id, inserted_at)' }])
  })

  it('realtime.messages is partitioned by day on inserted_at, owned by supabase_realtime_admin', async () => {
    const part = await db.query<{ strategy: string, key: string, owner: string }>(
      `select p.partstrat as strategy, pg_get_partkeydef(p.partrelid) as key, pg_get_userbyid(c.relowner) as owner
         from pg_partitioned_table p join pg_class c on c.oid = p.partrelid where p.partrelid = 'realtime.messages'::regclass`,
    )
    expect(part.rows).toEqual([{ strategy: 'r', key: 'RANGE (inserted_at)', owner: 'supabase_realtime_admin' }])
    const today = await db.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'realtime.messages'::regclass and c.relname = 'messages_' || to_char(current_date, 'YYYY_MM_DD')`,
    )
    expect(today.rows).toHaveLength(1)
    const where = await db.query<{ part: string }>(
      `select tableoid::regclass::text as part from realtime.messages where topic = 'parity:send'`,
    )
    expect(where.rows[0]!.part).toMatch(/^realtime\.messages_\d{4}_\d{2}_\d{2}$/)
  })
})

describe('roles as Supabase makes them', () => {
  it('anon, authenticated and service_role inherit; authenticator logs in, does not inherit, and may become each', async () => {
    const { rows } = await db.query<{ rolname: string, rolinherit: boolean, rolcanlogin: boolean, rolbypassrls: boolean, rolsuper: boolean }>(
      `select rolname, rolinherit, rolcanlogin, rolbypassrls, rolsuper from pg_roles
        where rolname in ('anon', 'authenticated', 'service_role', 'authenticator') order by rolname`,
    )
    expect(rows).toEqual([
      { rolname: 'anon', rolinherit: true, rolcanlogin: false, rolbypassrls: false, rolsuper: false },
      { rolname: 'authenticated', rolinherit: true, rolcanlogin: false, rolbypassrls: false, rolsuper: false },
      { rolname: 'authenticator', rolinherit: false, rolcanlogin: true, rolbypassrls: false, rolsuper: false },
      { rolname: 'service_role', rolinherit: true, rolcanlogin: false, rolbypassrls: true, rolsuper: false },
    ])
    const members = await db.query<{ role: string }>(
      `select r.rolname as role from pg_auth_members m join pg_roles r on r.oid = m.roleid
        where m.member = 'authenticator'::regrole order by 1`,
    )
    expect(members.rows.map(r => r.role)).toEqual(['anon', 'authenticated', 'service_role'])
  })

  it('statement_timeout is set per role: anon 3s, authenticated 8s, authenticator 8s (and lock_timeout 8s); the project adds jit off to the API roles', async () => {
    const { rows } = await db.query<{ role: string, config: string[] }>(
      `select r.rolname as role, s.setconfig as config from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
        where s.setdatabase = 0 and r.rolname in ('anon', 'authenticated', 'authenticator') order by 1`,
    )
    const settings = Object.fromEntries(rows.map(r => [r.role, [...r.config].sort()]))
    // jit=off: ours (20261205070000_core_api_roles_no_jit.sql), not Supabase's
    expect(settings).toEqual({
      anon: ['jit=off', 'statement_timeout=3s'],
      authenticated: ['jit=off', 'statement_timeout=8s'],
      authenticator: ['lock_timeout=8s', 'statement_timeout=8s'],
    })
  })

  it('the service role gets nothing through default privileges; what it reaches is granted by name', async () => {
    const defaults = await db.query<{ acl: string }>(
      `select defaclacl::text as acl from pg_default_acl where defaclacl::text like '%service_role=%'`,
    )
    expect(defaults.rows).toEqual([])
    const tables = await db.query<{ t: string }>(
      `select c.oid::regclass::text as t from pg_class c where c.relnamespace = 'app'::regnamespace and c.relkind in ('r', 'p')
          and not has_table_privilege('service_role', c.oid, 'select, insert, update, delete')`,
    )
    expect(tables.rows).toEqual([])
  })
})
