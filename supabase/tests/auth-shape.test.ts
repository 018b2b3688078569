import type { AuthError } from '../local/auth-errors'
import type { Db } from '../local/db'
// The local auth schema has GoTrue's shape, and the seeded users are rows GoTrue can read: GoTrue
// scans the token columns into plain strings, so a NULL there (what a hand-written insert leaves)
// makes sign-in and the admin user list answer 500 on Supabase; and sign-in by email and by phone
// each needs its identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPassword, GOTRUE_STRING_COLUMNS, insertUser } from '../local/auth-store'
import { freshDb, ids } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

/** Every column GoTrue reads into a non-pointer Go value (internal/models/user.go). */
const NOT_NULL_FOR_GOTRUE = [...GOTRUE_STRING_COLUMNS, 'instance_id', 'created_at', 'updated_at', 'email_change_confirm_status', 'is_sso_user', 'is_anonymous']

/** (user, column) pairs GoTrue could not scan. */
async function unscannable(where = 'true'): Promise<string[]> {
  const { rows } = await db.query<{ v: string }>(
    `select u.id || ' ' || c as v from auth.users u, unnest($1::text[]) c
      where ${where} and (to_jsonb(u) -> c) = 'null'::jsonb`,
    [NOT_NULL_FOR_GOTRUE],
  )
  return rows.map(r => r.v).sort()
}

async function columns(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ column_name: string, t: string }>(
    `select column_name, data_type || coalesce('(' || character_maximum_length || ')', '')
            || case when is_generated = 'ALWAYS' then ' generated' else '' end
            || case when is_nullable = 'NO' then ' not null' else '' end
            || coalesce(' default ' || column_default, '') as t
       from information_schema.columns where table_schema = 'auth' and table_name = $1`,
    [table],
  )
  return Object.fromEntries(rows.map(r => [r.column_name, r.t]))
}

describe('auth schema in GoTrue\'s shape', () => {
  it('auth.users has GoTrue\'s columns, types and defaults', async () => {
    const cols = await columns('users')
    expect(cols).toMatchObject({
      instance_id: 'uuid',
      id: 'uuid not null',
      aud: 'character varying(255)',
      role: 'character varying(255)',
      email: 'character varying(255)',
      encrypted_password: 'character varying(255)',
      // no default: GoTrue writes '' itself, a hand-written insert leaves NULL
      confirmation_token: 'character varying(255)',
      recovery_token: 'character varying(255)',
      email_change_token_new: 'character varying(255)',
      email_change: 'character varying(255)',
      email_change_token_current: 'character varying(255) default \'\'::character varying',
      phone_change_token: 'character varying(255) default \'\'::character varying',
      reauthentication_token: 'character varying(255) default \'\'::character varying',
      phone: 'text',
      phone_change: 'text default \'\'::text',
      email_change_confirm_status: 'smallint default 0',
      confirmed_at: 'timestamp with time zone generated',
      raw_app_meta_data: 'jsonb',
      raw_user_meta_data: 'jsonb',
      is_sso_user: 'boolean not null default false',
      is_anonymous: 'boolean not null default false',
      banned_until: 'timestamp with time zone',
      deleted_at: 'timestamp with time zone',
    })
    for (const c of GOTRUE_STRING_COLUMNS) expect(cols[c], c).toBeDefined()
  })

  it('auth.identities: generated lower-case email, unique (provider_id, provider), cascade from users', async () => {
    expect(await columns('identities')).toMatchObject({
      provider_id: 'text not null',
      user_id: 'uuid not null',
      identity_data: 'jsonb not null',
      provider: 'text not null',
      email: 'text generated',
      id: 'uuid not null default gen_random_uuid()',
    })
    const { rows } = await db.query<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'auth.identities'::regclass and contype in ('u', 'f') order by 1`,
    )
    expect(rows.map(r => r.def)).toEqual(['FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE', 'UNIQUE (provider_id, provider)'])
  })

  it('sessions, refresh_tokens and one_time_tokens are there with GoTrue\'s keys', async () => {
    expect(await columns('sessions')).toMatchObject({ id: 'uuid not null', user_id: 'uuid not null', aal: 'USER-DEFINED', not_after: 'timestamp with time zone' })
    expect(await columns('refresh_tokens')).toMatchObject({ id: expect.stringMatching(/^bigint not null default nextval/), token: 'character varying(255)', session_id: 'uuid', parent: 'character varying(255)' })
    expect(await columns('one_time_tokens')).toMatchObject({ token_type: 'USER-DEFINED not null', token_hash: 'text not null', relates_to: 'text not null' })
  })

  it('the auth objects belong to supabase_auth_admin, as on Supabase', async () => {
    const { rows } = await db.query<{ v: string }>(
      `select c.relname || ' ' || pg_get_userbyid(c.relowner) as v from pg_class c
        where c.relnamespace = 'auth'::regnamespace and c.relkind = 'r' and pg_get_userbyid(c.relowner) <> 'supabase_auth_admin'`,
    )
    expect(rows).toEqual([])
  })
})

describe('seeded users GoTrue can read', () => {
  it('no seeded user has NULL in a column GoTrue scans as a string', async () => {
    expect(await db.query('select 1 from auth.users').then(r => r.rows.length)).toBeGreaterThan(0)
    expect(await unscannable()).toEqual([])
  })

  it('the check finds a row inserted the way the old seed did', async () => {
    await db.query(`insert into auth.users (id, aud, role, email, created_at, updated_at)
                    values ('00000000-0000-4000-a000-0000000000ff', 'authenticated', 'authenticated', 'null-tokens@test.example', now(), now())`)
    expect(await unscannable(`u.id = '00000000-0000-4000-a000-0000000000ff'`)).toEqual(
      ['confirmation_token', 'recovery_token', 'email_change_token_new', 'email_change', 'instance_id']
        .map(c => `00000000-0000-4000-a000-0000000000ff ${c}`).sort(),
    )
    // and the local GoTrue refuses it as GoTrue does
    await expect(checkPassword(db, { email: 'null-tokens@test.example', password: 'x' })).rejects.toMatchObject(
      { status: 500, code: 'unexpected_failure', message: 'Database error querying schema' } satisfies Partial<AuthError>,
    )
    await db.query(`delete from auth.users where id = '00000000-0000-4000-a000-0000000000ff'`)
  })

  it('every seeded user is as GoTrue makes one: nil instance, authenticated, lower-case email, phone without +, bcrypt', async () => {
    const { rows } = await db.query<{ v: string }>(
      `select id || ' ' || concat_ws(',', case when instance_id <> '00000000-0000-0000-0000-000000000000' then 'instance_id' end,
              case when aud <> 'authenticated' or role <> 'authenticated' then 'aud/role' end,
              case when email <> lower(email) then 'email' end, case when phone like '+%' then 'phone' end,
              case when encrypted_password !~ '^\\$2[aby]\\$' then 'password' end) as v
         from auth.users
        where instance_id <> '00000000-0000-0000-0000-000000000000' or aud <> 'authenticated' or role <> 'authenticated'
           or email <> lower(email) or phone like '+%' or encrypted_password !~ '^\\$2[aby]\\$'`,
    )
    expect(rows).toEqual([])
  })

  it('every seeded user has the identities email and phone sign-in need', async () => {
    const { rows } = await db.query<{ v: string }>(
      `select u.id || ' ' || p.provider as v
         from auth.users u cross join (values ('email'), ('phone')) p(provider)
        where (p.provider = 'email' and u.email is not null) or (p.provider = 'phone' and u.phone is not null)
        except
       select i.user_id || ' ' || i.provider from auth.identities i join auth.users u on u.id = i.user_id
        where i.provider_id = u.id::text and i.identity_data ->> 'sub' = u.id::text
          and ((i.provider = 'email' and i.email = u.email) or (i.provider = 'phone' and i.identity_data ->> 'phone' = u.phone))`,
    )
    expect(rows).toEqual([])
    // the providers GoTrue lists in app_metadata are the identities the user has
    const teacher = await db.query<{ providers: string[] }>(`select raw_app_meta_data -> 'providers' as providers from auth.users where id = $1`, [ids.teacherA])
    expect(teacher.rows[0]!.providers).toEqual(['email', 'phone'])
  })
})

describe('users the local GoTrue makes', () => {
  it('are rows GoTrue could read, with an identity per provider', async () => {
    const id = await insertUser(db, {
      email: 'New.Member@Test.example',
      phone: '+8613900000001',
      password: 'pw123456',
      userMetadata: { display_name: '新党员' },
      emailConfirmed: true,
      phoneConfirmed: true,
    })
    expect(await unscannable(`u.id = '${id}'`)).toEqual([])
    const user = await db.query(`select instance_id, email, phone, raw_app_meta_data -> 'providers' as providers from auth.users where id = $1`, [id])
    expect(user.rows[0]).toEqual({ instance_id: '00000000-0000-0000-0000-000000000000', email: 'new.member@test.example', phone: '8613900000001', providers: ['email', 'phone'] })
    const identities = await db.query(`select provider, provider_id, email, identity_data ->> 'phone' as phone from auth.identities where user_id = $1 order by provider`, [id])
    expect(identities.rows).toEqual([
      { provider: 'email', provider_id: id, email: 'new.member@test.example', phone: null },
      { provider: 'phone', provider_id: id, email: null, phone: '8613900000001' },
    ])
  })

  it('the sign-up triggers on auth.users run when GoTrue\'s own role inserts', async () => {
    const id = '00000000-0000-4000-a000-0000000000fe'
    await db.transaction(async (tx) => {
      await tx.query('set local role supabase_auth_admin')
      await tx.query(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, confirmation_token, recovery_token,
                                 email_change_token_new, email_change, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
         values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', 'gotrue-role@test.example', '', '', '', '', '',
                 '{"provider":"email","providers":["email"]}', '{"display_name":"王老师"}', now(), now())`,
        [id],
      )
    })
    expect((await db.query('select display_name from app.profiles where user_id = $1', [id])).rows).toEqual([{ display_name: '王老师' }])
  })
})
