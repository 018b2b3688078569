// Private-channel authorisation as Supabase Realtime does it (tenants/authorization.ex): probe rows
// in realtime.messages, checked under the caller's role and claims, in a transaction rolled back.
import type { Db } from './db'
import type { Claims } from './jwt'

export interface TopicPermissions { read: boolean, write: boolean }

class Rollback extends Error {
  constructor(readonly result: TopicPermissions) {
    super('rollback')
  }
}

/** `extension` is what the probe rows carry: 'broadcast' or 'presence', checked separately as Supabase does. */
export async function authorizeTopic(db: Db, topic: string, role: string, claims: Claims, extension: 'broadcast' | 'presence' = 'broadcast'): Promise<TopicPermissions> {
  // service_role bypasses RLS on Supabase too; skip the round trips.
  if (role === 'service_role')
    return { read: true, write: true }
  try {
    await db.transaction(async (tx) => {
      const probe = await tx.query<{ id: string }>(
        `insert into realtime.messages (topic, extension, payload, event, private)
         values ($1, $2, '{}'::jsonb, 'authorization_probe', true) returning id::text`,
        [topic, extension],
      )
      await tx.query(
        `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true),
                set_config('realtime.topic', $4, true)`,
        [role, JSON.stringify({ ...claims, role }), typeof claims.sub === 'string' ? claims.sub : '', topic],
      )
      let read = false
      let write = false
      // Savepoints so that a privilege error in one probe does not abort the other.
      await tx.exec('savepoint realtime_read')
      try {
        const r = await tx.query<{ ok: boolean }>('select exists (select 1 from realtime.messages where id = $1::uuid) as ok', [probe.rows[0]!.id])
        read = r.rows[0]?.ok === true
        await tx.exec('release savepoint realtime_read')
      }
      catch {
        await tx.exec('rollback to savepoint realtime_read')
      }
      await tx.exec('savepoint realtime_write')
      try {
        await tx.query(
          `insert into realtime.messages (topic, extension, payload, event, private)
           values ($1, $2, '{}'::jsonb, 'authorization_probe', true)`,
          [topic, extension],
        )
        write = true
        await tx.exec('release savepoint realtime_write')
      }
      catch {
        await tx.exec('rollback to savepoint realtime_write')
      }
      throw new Rollback({ read, write })
    })
  }
  catch (e) {
    if (e instanceof Rollback)
      return e.result
    console.error('[realtime] authorisation failed', e)
  }
  return { read: false, write: false }
}
