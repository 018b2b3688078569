import type { Queryable } from './db'
import type { JsonObject } from './http'
// SQL side of the GoTrue subset: every user is a real auth.users row (so the app's triggers and
// foreign keys fire), passwords are bcrypt-hashed and checked by pgcrypto inside Postgres, and
// Postgres renders the User JSON so timestamps never pass through JS date parsing.
import { randomBytes } from 'node:crypto'
import { AuthError } from './auth-errors'

const ts = (col: string): string => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** GoTrue's User object (internal/models/user.go); null optional keys are removed in JS. */
const USER_JSON = `json_build_object(
  'id', u.id,
  'aud', coalesce(u.aud, 'authenticated'),
  'role', coalesce(u.role, 'authenticated'),
  'email', coalesce(u.email, ''),
  'email_confirmed_at', ${ts('u.email_confirmed_at')},
  'phone', coalesce(u.phone, ''),
  'phone_confirmed_at', ${ts('u.phone_confirmed_at')},
  'confirmation_sent_at', ${ts('u.confirmation_sent_at')},
  'new_phone', nullif(u.phone_change, ''),
  'phone_change_sent_at', ${ts('u.phone_change_sent_at')},
  'confirmed_at', ${ts('u.confirmed_at')},
  'last_sign_in_at', ${ts('u.last_sign_in_at')},
  'app_metadata', coalesce(u.raw_app_meta_data, '{}'::jsonb),
  'user_metadata', coalesce(u.raw_user_meta_data, '{}'::jsonb),
  'identities', coalesce((
    select json_agg(json_build_object(
      'identity_id', i.id, 'id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
      'provider', i.provider, 'last_sign_in_at', ${ts('i.last_sign_in_at')},
      'created_at', ${ts('i.created_at')}, 'updated_at', ${ts('i.updated_at')},
      'email', i.identity_data->>'email') order by i.created_at)
    from auth.identities i where i.user_id = u.id), '[]'::json),
  'created_at', ${ts('u.created_at')},
  'updated_at', ${ts('u.updated_at')},
  'is_anonymous', coalesce(u.is_anonymous, false),
  'banned_until', ${ts('u.banned_until')},
  'deleted_at', ${ts('u.deleted_at')}
)::text`

const OPTIONAL_USER_KEYS = ['email_confirmed_at', 'phone_confirmed_at', 'confirmation_sent_at', 'new_phone', 'phone_change_sent_at', 'confirmed_at', 'last_sign_in_at', 'banned_until', 'deleted_at']

export interface AuthUser extends JsonObject {
  id: string
  email: string
  phone: string
  app_metadata: JsonObject
  user_metadata: JsonObject
  is_anonymous: boolean
}

function parseUser(text: string): AuthUser {
  const user = JSON.parse(text) as AuthUser
  for (const k of OPTIONAL_USER_KEYS) {
    if (user[k] === null)
      delete user[k]
  }
  const identities = user.identities
  if (Array.isArray(identities)) {
    for (const i of identities) {
      if (i && typeof i === 'object' && !Array.isArray(i) && i.email === null)
        delete i.email
    }
  }
  return user
}

/**
 * GoTrue scans these auth.users columns into plain Go strings (internal/models/user.go), so a row
 * with NULL in one (a user inserted by hand or by a seed) makes it answer 500 "Database error
 * querying schema" wherever it loads that user; the local stack does the same, so such a row
 * fails here before it fails on Supabase.
 */
export const GOTRUE_STRING_COLUMNS = ['aud', 'role', 'confirmation_token', 'recovery_token', 'email_change_token_new', 'email_change_token_current', 'email_change', 'phone_change_token', 'phone_change', 'reauthentication_token'] as const
const SCANNABLE = `(${GOTRUE_STRING_COLUMNS.map(c => `u.${c} is not null`).join(' and ')} and u.instance_id is not null
  and u.created_at is not null and u.updated_at is not null and u.email_change_confirm_status is not null)`

function assertScannable(rows: { scannable: boolean }[]): void {
  if (rows.some(r => !r.scannable))
    throw new AuthError(500, 'unexpected_failure', 'Database error querying schema')
}

export async function loadUser(q: Queryable, id: string): Promise<AuthUser | undefined> {
  const { rows } = await q.query<{ j: string, scannable: boolean }>(`select ${USER_JSON} as j, ${SCANNABLE} as scannable from auth.users u where u.id = $1 and u.deleted_at is null`, [id])
  assertScannable(rows)
  return rows[0] ? parseUser(rows[0].j) : undefined
}

export async function listUsers(q: Queryable, limit: number, offset: number): Promise<{ users: AuthUser[], total: number }> {
  const { rows } = await q.query<{ j: string, total: string | number, scannable: boolean }>(
    `select ${USER_JSON} as j, ${SCANNABLE} as scannable, count(*) over () as total from auth.users u where u.deleted_at is null
     order by u.created_at, u.id limit $1 offset $2`,
    [limit, offset],
  )
  assertScannable(rows)
  let total = rows[0] ? Number(rows[0].total) : 0
  if (!rows[0] && offset > 0) {
    const c = await q.query<{ n: string | number }>('select count(*) as n from auth.users where deleted_at is null')
    total = Number(c.rows[0]?.n ?? 0)
  }
  return { users: rows.map(r => parseUser(r.j)), total }
}

export async function emailTaken(q: Queryable, email: string, exceptId?: string): Promise<boolean> {
  const { rows } = await q.query('select 1 from auth.users where lower(email) = $1 and id is distinct from $2::uuid limit 1', [email, exceptId ?? null])
  return rows.length > 0
}

export async function phoneTaken(q: Queryable, phone: string, exceptId?: string): Promise<boolean> {
  const { rows } = await q.query('select 1 from auth.users where phone = $1 and id is distinct from $2::uuid limit 1', [phone, exceptId ?? null])
  return rows.length > 0
}

export interface NewUser {
  id?: string
  email?: string
  phone?: string
  password?: string
  userMetadata: JsonObject
  appMetadata?: JsonObject
  emailConfirmed: boolean
  phoneConfirmed: boolean
}

/**
 * Inserts the user as GoTrue does (models.NewUser, then SetRole; admin createUser): instance_id
 * the nil UUID, '' in the columns GoTrue scans as strings, the email lower-cased, the phone
 * without '+', and one identity per provider the user has (provider_id = the user's id).
 */
export async function insertUser(q: Queryable, u: NewUser): Promise<string> {
  const email = u.email?.toLowerCase()
  const phone = u.phone?.replace(/^\+/, '')
  const providers = [...(email ? ['email'] : []), ...(phone ? ['phone'] : [])]
  const appMetadata: JsonObject = { provider: providers[0] ?? 'email', providers, ...(u.appMetadata ?? {}) }
  const { rows } = await q.query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at, phone_confirmed_at,
                             confirmation_token, recovery_token, email_change_token_new, email_change_token_current, email_change,
                             phone_change, phone_change_token, reauthentication_token,
                             raw_app_meta_data, raw_user_meta_data, is_sso_user, is_anonymous, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', coalesce($1::uuid, gen_random_uuid()), 'authenticated', 'authenticated', $2, $3,
             case when $4::text is null then '' else extensions.crypt($4::text, extensions.gen_salt('bf')) end,
             case when $5 then now() end, case when $6 then now() end,
             '', '', '', '', '', '', '', '',
             $7::jsonb, $8::jsonb, false, false, now(), now())
     returning id::text`,
    [u.id ?? null, email ?? null, phone ?? null, u.password ?? null, u.emailConfirmed && !!email, u.phoneConfirmed && !!phone, JSON.stringify(appMetadata), JSON.stringify(u.userMetadata)],
  )
  const id = rows[0]!.id
  for (const provider of providers) {
    const identityData: JsonObject = provider === 'email'
      ? { sub: id, email: email!, email_verified: false, phone_verified: false }
      : { sub: id, phone: phone!, email_verified: false, phone_verified: false }
    await q.query(
      `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values (gen_random_uuid(), $1::text, $1::uuid, $2::jsonb, $3, now(), now(), now())`,
      [id, JSON.stringify(identityData), provider],
    )
  }
  return id
}

export interface Credentials { email?: string, phone?: string, password: string }

/** Returns the user id when the password matches; otherwise throws GoTrue's login errors. */
export async function checkPassword(q: Queryable, c: Credentials): Promise<string> {
  const { rows } = await q.query<{ id: string, ok: boolean, email_ok: boolean, phone_ok: boolean, banned: boolean, scannable: boolean }>(
    `select u.id::text as id, ${SCANNABLE} as scannable,
            case when u.encrypted_password like '$2%' then u.encrypted_password = extensions.crypt($3, u.encrypted_password) else false end as ok,
            u.email_confirmed_at is not null as email_ok, u.phone_confirmed_at is not null as phone_ok,
            coalesce(u.banned_until > now(), false) as banned
       from auth.users u
      where u.deleted_at is null and (($1::text is not null and lower(u.email) = $1) or ($2::text is not null and u.phone = $2))
      limit 1`,
    [c.email ?? null, c.phone ?? null, c.password],
  )
  assertScannable(rows)
  const row = rows[0]
  if (!row || !row.ok)
    throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials')
  if (row.banned)
    throw new AuthError(400, 'user_banned', 'User is banned')
  if (c.email && !row.email_ok)
    throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed')
  if (c.phone && !row.phone_ok)
    throw new AuthError(400, 'phone_not_confirmed', 'Phone not confirmed')
  return row.id
}

function newRefreshToken(): string {
  return randomBytes(24).toString('base64url')
}

export interface IssuedSession { sessionId: string, refreshToken: string, createdAt: number }

export async function createSession(q: Queryable, userId: string): Promise<IssuedSession> {
  const { rows } = await q.query<{ id: string, created: string | number }>(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal) values (gen_random_uuid(), $1, now(), now(), 'aal1')
     returning id::text, extract(epoch from created_at)::bigint::text as created`,
    [userId],
  )
  const refreshToken = newRefreshToken()
  await q.query(
    `insert into auth.refresh_tokens (token, user_id, parent, session_id, revoked, created_at, updated_at)
     values ($1, $2, null, $3::uuid, false, now(), now())`,
    [refreshToken, userId, rows[0]!.id],
  )
  await q.query('update auth.users set last_sign_in_at = now() where id = $1', [userId])
  return { sessionId: rows[0]!.id, refreshToken, createdAt: Number(rows[0]!.created) }
}

/** Rotates a refresh token; a revoked token revokes its whole session family (GoTrue's reuse detection). */
export async function rotateRefreshToken(q: Queryable, token: string): Promise<IssuedSession & { userId: string }> {
  const { rows } = await q.query<{ id: string, revoked: boolean, user_id: string, session_id: string | null, has_session: boolean, created: string | null }>(
    `select rt.id::text, rt.revoked, rt.user_id, rt.session_id::text, s.id is not null as has_session,
            extract(epoch from s.created_at)::bigint::text as created
       from auth.refresh_tokens rt left join auth.sessions s on s.id = rt.session_id
      where rt.token = $1 for update of rt`,
    [token],
  )
  const row = rows[0]
  if (!row || !row.has_session || !row.session_id)
    throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  if (row.revoked) {
    await q.query('update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1::uuid', [row.session_id])
    throw new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used')
  }
  const user = await q.query<{ banned: boolean }>('select coalesce(banned_until > now(), false) as banned from auth.users where id = $1::uuid and deleted_at is null', [row.user_id])
  if (!user.rows[0])
    throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  if (user.rows[0].banned)
    throw new AuthError(400, 'user_banned', 'User is banned')
  const next = newRefreshToken()
  await q.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1::bigint', [row.id])
  await q.query(
    `insert into auth.refresh_tokens (token, user_id, parent, session_id, revoked, created_at, updated_at)
     values ($1, $2, $3, $4::uuid, false, now(), now())`,
    [next, row.user_id, token, row.session_id],
  )
  await q.query('update auth.sessions set updated_at = now() where id = $1::uuid', [row.session_id])
  return { sessionId: row.session_id, refreshToken: next, userId: row.user_id, createdAt: Number(row.created ?? 0) }
}

export async function sessionExists(q: Queryable, sessionId: string): Promise<boolean> {
  const { rows } = await q.query('select 1 from auth.sessions where id = $1::uuid', [sessionId])
  return rows.length > 0
}

export async function deleteSessions(q: Queryable, userId: string, sessionId: string, scope: 'global' | 'local' | 'others'): Promise<void> {
  const [where, params] = scope === 'global'
    ? ['user_id = $1::uuid', [userId]]
    : [scope === 'local' ? 'user_id = $1::uuid and id = $2::uuid' : 'user_id = $1::uuid and id <> $2::uuid', [userId, sessionId]]
  // Tokens first: the bootstrap may not cascade from sessions to refresh_tokens.
  await q.query(`delete from auth.refresh_tokens where session_id in (select id from auth.sessions where ${where})`, params)
  await q.query(`delete from auth.sessions where ${where}`, params)
}

export async function verifyCurrentPassword(q: Queryable, userId: string, password: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(
    `select case when encrypted_password like '$2%' then encrypted_password = extensions.crypt($2, encrypted_password) else false end as ok
       from auth.users where id = $1::uuid`,
    [userId, password],
  )
  return rows[0]?.ok ?? false
}

export interface UserChanges {
  password?: string
  data?: JsonObject
  appMetadata?: JsonObject
  email?: string
  phone?: string
}

export async function updateUser(q: Queryable, userId: string, c: UserChanges): Promise<void> {
  if (c.password !== undefined) {
    await q.query(`update auth.users set encrypted_password = extensions.crypt($2, extensions.gen_salt('bf')), updated_at = now() where id = $1::uuid`, [userId, c.password])
  }
  // Key-by-key merge where a JSON null deletes the key (GoTrue UpdateUserMetaData).
  const merge = (col: string): string => `(select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
      from jsonb_each(coalesce(${col}, '{}'::jsonb) || $2::jsonb) e where e.value <> 'null'::jsonb)`
  if (c.data !== undefined) {
    await q.query(`update auth.users set raw_user_meta_data = ${merge('raw_user_meta_data')}, updated_at = now() where id = $1::uuid`, [userId, JSON.stringify(c.data)])
  }
  if (c.appMetadata !== undefined) {
    await q.query(`update auth.users set raw_app_meta_data = ${merge('raw_app_meta_data')}, updated_at = now() where id = $1::uuid`, [userId, JSON.stringify(c.appMetadata)])
  }
  if (c.email !== undefined) {
    await q.query('update auth.users set email = $2, email_confirmed_at = now(), updated_at = now() where id = $1::uuid', [userId, c.email])
    await syncIdentity(q, userId, 'email', c.email)
  }
  if (c.phone !== undefined) {
    await q.query('update auth.users set phone = $2, phone_confirmed_at = now(), updated_at = now() where id = $1::uuid', [userId, c.phone])
    await syncIdentity(q, userId, 'phone', c.phone)
  }
}

/** GoTrue's ConfirmEmailChange / ConfirmPhoneChange: the provider's identity follows the new address, or is made. */
async function syncIdentity(q: Queryable, userId: string, provider: 'email' | 'phone', value: string): Promise<void> {
  const updated = await q.query(
    `update auth.identities set identity_data = identity_data || jsonb_build_object($3::text, $4::text), updated_at = now()
      where user_id = $1::uuid and provider = $2 returning id`,
    [userId, provider, provider, value],
  )
  if (updated.rows.length > 0)
    return
  await q.query(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values (gen_random_uuid(), $1::text, $1::uuid, jsonb_build_object('sub', $1::text, $2::text, $3::text, 'email_verified', false, 'phone_verified', false), $2, now(), now(), now())`,
    [userId, provider, value],
  )
  // app_metadata.providers lists the user's identities (GoTrue's UpdateAppMetaDataProviders)
  await q.query(
    `update auth.users set raw_app_meta_data = coalesce(raw_app_meta_data, '{}'::jsonb) || jsonb_build_object('providers',
       (select jsonb_agg(distinct i.provider) from auth.identities i where i.user_id = $1::uuid)) where id = $1::uuid`,
    [userId],
  )
}

export async function deleteUser(q: Queryable, userId: string): Promise<boolean> {
  await q.query('delete from auth.refresh_tokens where user_id = $1', [userId])
  await q.query('delete from auth.sessions where user_id = $1::uuid', [userId])
  await q.query('delete from auth.identities where user_id = $1::uuid', [userId])
  const { rows } = await q.query('delete from auth.users where id = $1::uuid returning id', [userId])
  return rows.length > 0
}

// Phone codes ----------------------------------------------------------------------------------
// Kept as GoTrue keeps them: sha224(phone + code) in hex in users.confirmation_token /
// phone_change_token, mirrored in auth.one_time_tokens. Times come from the stack's clock (not
// now()) so tests can step past max_frequency and the expiry without sleeping.

const at = (n: number): string => `to_timestamp($${n}::double precision / 1000)`

export interface PhoneUser {
  id: string
  phone: string
  confirmed: boolean
  banned: boolean
  confirmationToken: string
  confirmationSentAt: number | null
  phoneChange: string
  phoneChangeToken: string
  phoneChangeSentAt: number | null
}

const PHONE_USER_COLS = `u.id::text as id, coalesce(u.phone, '') as phone, u.phone_confirmed_at is not null as confirmed,
  coalesce(u.banned_until > now(), false) as banned,
  coalesce(u.confirmation_token, '') as confirmation_token, (extract(epoch from u.confirmation_sent_at) * 1000)::float8 as confirmation_sent_at,
  coalesce(u.phone_change, '') as phone_change, coalesce(u.phone_change_token, '') as phone_change_token,
  (extract(epoch from u.phone_change_sent_at) * 1000)::float8 as phone_change_sent_at`

interface PhoneUserRow { id: string, phone: string, confirmed: boolean, banned: boolean, confirmation_token: string, confirmation_sent_at: number | null, phone_change: string, phone_change_token: string, phone_change_sent_at: number | null }

function phoneUser(r: PhoneUserRow | undefined): PhoneUser | undefined {
  if (!r)
    return undefined
  const n = (v: number | string | null): number | null => (v === null ? null : Number(v))
  return {
    id: r.id,
    phone: r.phone,
    confirmed: r.confirmed,
    banned: r.banned,
    confirmationToken: r.confirmation_token,
    confirmationSentAt: n(r.confirmation_sent_at),
    phoneChange: r.phone_change,
    phoneChangeToken: r.phone_change_token,
    phoneChangeSentAt: n(r.phone_change_sent_at),
  }
}

/** `for update`: a code check and its use happen in one transaction, so a code works once. */
export async function phoneUserBy(q: Queryable, by: 'phone' | 'phone_change' | 'id', value: string): Promise<PhoneUser | undefined> {
  const where = by === 'id' ? 'u.id = $1::uuid' : by === 'phone' ? 'u.phone = $1' : 'u.phone_change = $1 and u.phone_change <> \'\''
  const { rows } = await q.query<PhoneUserRow>(`select ${PHONE_USER_COLS} from auth.users u where ${where} and u.deleted_at is null limit 1 for update`, [value])
  return phoneUser(rows[0])
}

async function replaceOneTimeToken(q: Queryable, userId: string, type: 'confirmation_token' | 'phone_change_token', relatesTo: string, hash: string): Promise<void> {
  await q.query('delete from auth.one_time_tokens where user_id = $1::uuid and token_type = $2::auth.one_time_token_type', [userId, type])
  await q.query(
    `insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) values (gen_random_uuid(), $1::uuid, $2::auth.one_time_token_type, $3, lower($4))`,
    [userId, type, hash, relatesTo],
  )
}

export async function storeConfirmationToken(q: Queryable, userId: string, phone: string, hash: string, nowMs: number): Promise<void> {
  await q.query(`update auth.users set confirmation_token = $2, confirmation_sent_at = ${at(3)} where id = $1::uuid`, [userId, hash, nowMs])
  await replaceOneTimeToken(q, userId, 'confirmation_token', phone, hash)
}

export async function storePhoneChangeToken(q: Queryable, userId: string, newPhone: string, hash: string, nowMs: number): Promise<void> {
  await q.query(`update auth.users set phone_change = $2, phone_change_token = $3, phone_change_sent_at = ${at(4)}, updated_at = now() where id = $1::uuid`, [userId, newPhone, hash, nowMs])
  await replaceOneTimeToken(q, userId, 'phone_change_token', newPhone, hash)
}

/** GoTrue's ConfirmPhone: the code is spent and every one-time token of the user goes. */
export async function confirmPhone(q: Queryable, userId: string, nowMs: number): Promise<void> {
  await q.query(`update auth.users set confirmation_token = '', phone_confirmed_at = ${at(2)}, updated_at = now() where id = $1::uuid`, [userId, nowMs])
  await q.query('delete from auth.one_time_tokens where user_id = $1::uuid', [userId])
  await q.query(`update auth.identities set identity_data = identity_data || '{"phone_verified": true}'::jsonb, updated_at = now()
                  where user_id = $1::uuid and provider = 'phone'`, [userId])
}

/** GoTrue's ConfirmPhoneChange (+ the phone identity smsVerify makes or updates). */
export async function confirmPhoneChange(q: Queryable, userId: string, nowMs: number): Promise<void> {
  const { rows } = await q.query<{ phone: string }>(
    `update auth.users set phone = phone_change, phone_change = '', phone_change_token = '', phone_confirmed_at = ${at(2)}, updated_at = now()
      where id = $1::uuid returning phone`,
    [userId, nowMs],
  )
  await q.query('delete from auth.one_time_tokens where user_id = $1::uuid', [userId])
  const phone = rows[0]!.phone
  const upd = await q.query(
    `update auth.identities set identity_data = identity_data || jsonb_build_object('phone', $2::text, 'phone_verified', true), updated_at = now()
      where user_id = $1::uuid and provider = 'phone' returning id`,
    [userId, phone],
  )
  if (upd.rows.length === 0) {
    await q.query(
      `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values (gen_random_uuid(), $1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'phone', $2::text, 'phone_verified', true), 'phone', now(), now(), now())`,
      [userId, phone],
    )
  }
}
