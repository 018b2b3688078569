import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
import type { SupabaseClient } from '@supabase/supabase-js'
import type { LocalStack } from '../../supabase/local/index'
import { randomUUID } from 'node:crypto'
// Behaviour that needs the database itself (functions created for the test, realtime.send run on the
// Db), so this file starts its own stack through startLocalStack. Skipped against a real Supabase.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ws from 'ws'
import { startLocalStack } from '../../supabase/local/index'
import { env, stackTemplate } from './env'
import { drained, subscribe, waitFor } from './realtime-helpers'

const FUNCTIONS = `
create function public.lst_void() returns void language sql as 'select';
create function public.lst_add(p_a int, p_b int default 10) returns int language sql as 'select p_a + p_b';
create function public.lst_text(p_s text) returns text language sql as 'select p_s';
create function public.lst_null() returns text language sql as 'select null::text';
create function public.lst_json(p jsonb) returns jsonb language sql as 'select p';
create function public.lst_set(p_n int) returns setof int language sql as 'select generate_series(1, p_n)';
create function public.lst_table(p_n int) returns table(id int, label text) language sql as $$ select g, '第' || g from generate_series(1, p_n) g $$;
create function public.lst_arr(p_ids int[]) returns int language sql as 'select coalesce(array_length(p_ids, 1), 0)';
create function public.lst_body(jsonb) returns jsonb language sql as 'select $1';
create function public.lst_whoami() returns jsonb language sql stable as $$
  select jsonb_build_object('uid', auth.uid(), 'role', current_user, 'jwt_role', auth.role(),
    'client', current_setting('request.headers', true)::jsonb->>'x-client-info',
    'method', current_setting('request.method', true), 'path', current_setting('request.path', true)) $$;
create function public.lst_raise(p_code text) returns void language plpgsql as $$
  begin raise exception using message = 'test.refused', errcode = p_code; end $$;
create table public.lst_rows (id serial primary key);
create function public.lst_write() returns int language sql as 'insert into public.lst_rows default values returning id';
alter table public.lst_rows enable row level security;
grant all on public.lst_rows to anon, authenticated;
grant usage on sequence public.lst_rows_id_seq to anon, authenticated;
create function public.lst_private() returns int language sql as 'select 1';
revoke execute on function public.lst_private() from public, anon;
grant execute on function public.lst_private() to authenticated;
create function public.lst_secret() returns int language sql as 'select 1';
revoke execute on function public.lst_secret() from public, anon, authenticated;
grant select on realtime.messages to authenticated;
create policy lst_topic_read on realtime.messages for select to authenticated
  using (realtime.topic() = 'lst:' || (select auth.uid())::text);
create policy lst_presence_write on realtime.messages for insert to authenticated
  with check (realtime.topic() = 'lst:' || (select auth.uid())::text and extension = 'presence'
              and (select auth.jwt()) ->> 'lst_presence' = 'yes');
create function public.lst_slow() returns int language plpgsql as $$ begin perform pg_sleep(3); return 1; end $$;
create function public.lst_timeout() returns text language sql stable as $$ select current_setting('statement_timeout') $$;
create function public.lst_jit() returns text language sql stable as $$ select current_setting('jit') $$;
`

let stack: LocalStack
let dataDir: string | undefined
let anon: SupabaseClient

function sign(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 600).sign(new TextEncoder().encode(stack.jwtSecret))
}

function client(token?: string): SupabaseClient {
  return createClient(stack.url, stack.anonKey, {
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    auth: { persistSession: false, autoRefreshToken: false },
    ...(token ? { global: { headers: { Authorization: `Bearer ${token}` } } } : {}),
  })
}

async function user(): Promise<{ id: string, client: SupabaseClient, token: string }> {
  const email = `lst-${randomUUID().slice(0, 8)}@example.com`
  const c = client()
  const { data, error } = await c.auth.signUp({ email, password: 'secret123' })
  if (error)
    throw error
  return { id: data.user!.id, client: c, token: data.session!.access_token }
}

describe.skipIf(!env.localStack)('local stack (own instance)', () => {
  beforeAll(async () => {
    dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'local-stack-'))
    stack = await startLocalStack({ dataDir, databaseUrl: process.env.DATABASE_URL, port: 0, seed: false, loadDataDir: await stackTemplate(false) })
    await stack.db.exec(FUNCTIONS)
    await stack.reloadSchema()
    anon = client()
  })
  afterAll(async () => {
    if (process.env.DATABASE_URL && stack) {
      await stack.db.exec(`drop policy if exists lst_topic_read on realtime.messages; drop policy if exists lst_presence_write on realtime.messages; drop table if exists public.lst_rows cascade;
        do $$ declare f record; begin for f in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and p.proname like 'lst\\_%' loop execute 'drop function ' || f.sig; end loop; end $$;`)
    }
    await stack?.close()
    if (dataDir)
      rmSync(dataDir, { recursive: true, force: true })
  })

  describe('rpc shapes', () => {
    it('void → 204 and null data', async () => {
      const r = await anon.rpc('lst_void')
      expect([r.status, r.data, r.error]).toEqual([204, null, null])
    })

    it('scalars, NULL, jsonb, arrays, defaults', async () => {
      expect((await anon.rpc('lst_add', { p_a: 1 })).data).toBe(11)
      expect((await anon.rpc('lst_add', { p_a: 1, p_b: 2 })).data).toBe(3)
      expect((await anon.rpc('lst_text', { p_s: '学习' })).data).toBe('学习')
      const nul = await anon.rpc('lst_null')
      expect([nul.status, nul.data]).toEqual([200, null])
      const obj = { a: [1, { b: '二' }], c: null, d: 1.5 }
      expect((await anon.rpc('lst_json', { p: obj })).data).toEqual(obj)
      expect((await anon.rpc('lst_arr', { p_ids: [4, 5, 6] })).data).toBe(3)
      expect((await anon.rpc('lst_body', { whatever: [1] })).data).toEqual({ whatever: [1] })
      // Values travel inlined in the SQL text: quotes and backslashes must arrive exactly as sent.
      const tricky = `it's \\ \\' \\\\'' '); select 1; -- \\u0041 $$ $q$`
      expect((await anon.rpc('lst_text', { p_s: tricky })).data).toBe(tricky)
      expect((await anon.rpc('lst_text', { p_s: tricky }, { get: true })).data).toBe(tricky)
      expect((await anon.rpc('lst_json', { p: { [tricky]: tricky } })).data).toEqual({ [tricky]: tricky })
    })

    it('setof scalar and table, with counts and Content-Range', async () => {
      const s = await anon.rpc('lst_set', { p_n: 3 }, { count: 'exact' })
      expect([s.data, s.count]).toEqual([[1, 2, 3], 3])
      expect((await anon.rpc('lst_set', { p_n: 0 })).data).toEqual([])
      const t = await anon.rpc('lst_table', { p_n: 2 })
      expect(t.data).toEqual([{ id: 1, label: '第1' }, { id: 2, label: '第2' }])
      const res = await fetch(`${stack.url}/rest/v1/rpc/lst_set?p_n=2`, { headers: { apikey: stack.anonKey } })
      expect(res.headers.get('content-range')).toBe('0-1/*')
    })

    it('GET and HEAD with query arguments', async () => {
      expect((await anon.rpc('lst_add', { p_a: 5 }, { get: true })).data).toBe(15)
      expect((await anon.rpc('lst_arr', { p_ids: [1, 2] }, { get: true })).data).toBe(2)
      const head = await anon.rpc('lst_set', { p_n: 4 }, { head: true, count: 'exact' })
      expect([head.status, head.data, head.count]).toEqual([200, null, 4])
    })

    it('single(): exactly one row, else 406 PGRST116', async () => {
      expect((await anon.rpc('lst_table', { p_n: 1 }).single()).data).toEqual({ id: 1, label: '第1' })
      const many = await anon.rpc('lst_table', { p_n: 2 }).single()
      expect(many.status).toBe(406)
      expect(many.error).toMatchObject({ code: 'PGRST116', details: 'The result contains 2 rows' })
    })

    it('runs with the caller\'s role, claims and headers', async () => {
      const u = await user()
      const me = await u.client.rpc('lst_whoami')
      expect(me.data).toMatchObject({ uid: u.id, role: 'authenticated', jwt_role: 'authenticated', method: 'POST', path: '/rpc/lst_whoami' })
      expect((me.data as { client: string }).client).toMatch(/^supabase-js/)
      expect((await anon.rpc('lst_whoami')).data).toMatchObject({ uid: null, role: 'anon' })
      const service = createClient(stack.url, stack.serviceRoleKey, { realtime: { transport: ws as unknown as WebSocketLikeConstructor }, auth: { persistSession: false } })
      expect((await service.rpc('lst_whoami')).data).toMatchObject({ role: 'service_role' })
      // The settings were transaction-local: nothing of the requests stays on the connection.
      const { rows } = await stack.db.query<{ claims: string, role: string }>(
        `select coalesce(current_setting('request.jwt.claims', true), '') as claims, current_user::text as role`,
      )
      expect(rows[0]).toEqual({ claims: '', role: expect.not.stringMatching(/^(anon|authenticated|service_role)$/) })
    })

    it('maps SQLSTATEs to HTTP as PostgREST does', async () => {
      const cases: [string, number][] = [['P0001', 400], ['PT404', 404], ['PT409', 409], ['PT429', 429], ['23505', 409], ['23503', 409], ['22P02', 400], ['42501', 401]]
      for (const [code, status] of cases) {
        const r = await anon.rpc('lst_raise', { p_code: code })
        expect([code, r.status, r.error?.code, r.error?.message]).toEqual([code, status, code, 'test.refused'])
      }
      const u = await user()
      expect((await u.client.rpc('lst_raise', { p_code: '42501' })).status).toBe(403)
      // Missing EXECUTE: 401 for anon, 403 once signed in.
      expect((await anon.rpc('lst_private')).status).toBe(401)
      expect((await u.client.rpc('lst_private')).data).toBe(1)
      expect((await u.client.rpc('lst_secret')).status).toBe(403)
      // A writing function over GET runs READ ONLY → 25006 → 405.
      const ro = await anon.rpc('lst_write', {}, { get: true })
      expect([ro.status, ro.error?.code]).toEqual([405, '25006'])
    })

    it('applies the role\'s settings (statement_timeout) to each request, and a slow call is cut with 57014 → 500', async () => {
      // A role of this test's own: roles are cluster-wide, and anon/authenticated are shared by other suites.
      const role = `lst_timeout_${randomUUID().slice(0, 8)}`
      // Granted to ourselves: on Supabase postgres is no superuser and may only become roles it is a member of.
      await stack.db.exec(`create role ${role} nologin; grant ${role} to current_user; grant usage on schema public to ${role};
        grant execute on function public.lst_slow(), public.lst_timeout() to ${role};
        alter role ${role} set statement_timeout = '200ms';`)
      try {
        await stack.reloadSchema()
        const limited = client(await sign({ sub: randomUUID(), role }))
        expect((await limited.rpc('lst_timeout')).data).toBe('200ms')
        expect((await anon.rpc('lst_timeout')).data).not.toBe('200ms')
        // the project's own role settings (20261205070000_core_api_roles_no_jit.sql) reach the API's calls the same way
        expect((await anon.rpc('lst_jit')).data).toBe('off')
        // PGlite runs inside the JS thread, with no signals to cancel a running statement: only a
        // PostgreSQL server can cut the call, so only there is the cut itself observable.
        if (stack.db.kind === 'postgres') {
          const r = await limited.rpc('lst_slow')
          expect([r.status, r.error]).toEqual([500, { code: '57014', message: 'canceling statement due to statement timeout', details: null, hint: null }])
        }
      }
      finally {
        await stack.db.exec(`drop owned by ${role}; drop role ${role};`)
        await stack.reloadSchema()
      }
    })

    it('offers a near name as a hint for an unknown function', async () => {
      const r = await anon.rpc('lst_ad', { p_a: 1 })
      expect(r.error).toMatchObject({ code: 'PGRST202', hint: 'Perhaps you meant to call the function public.lst_add(p_a, p_b)' })
    })
  })

  describe('realtime', () => {
    it('delivers realtime.send from the database to an authorised private subscriber within a second', async () => {
      const u = await user()
      const other = await user()
      const topic = `lst:${u.id}`
      const got: { at: number, msg: unknown }[] = []
      const ch = u.client.channel(topic, { config: { private: true } }).on('broadcast', { event: 'ev' }, msg => got.push({ at: Date.now(), msg }))
      expect((await subscribe(ch)).status).toBe('SUBSCRIBED')

      const otherGot: unknown[] = []
      const chOther = other.client.channel(topic, { config: { private: true } }).on('broadcast', { event: '*' }, m => otherGot.push(m))
      const refused = await subscribe(chOther)
      expect(refused.status).toBe('CHANNEL_ERROR')
      expect(refused.error?.message).toBe(`Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`)

      // A public channel with the same name is a different channel and must not receive it.
      const publicGot: unknown[] = []
      const third = client()
      const chPublic = third.channel(topic).on('broadcast', { event: '*' }, m => publicGot.push(m))
      expect((await subscribe(chPublic)).status).toBe('SUBSCRIBED')

      const sentAt = Date.now()
      await stack.db.query(`select realtime.send('{"x":1}'::jsonb, 'ev', $1, true)`, [topic])
      await waitFor(() => got.length > 0, 1000)
      expect(got[0]!.at - sentAt).toBeLessThan(1000)
      expect(got[0]!.msg).toMatchObject({ type: 'broadcast', event: 'ev', payload: { x: 1 }, meta: { id: expect.any(String) } })
      await drained(other.client)
      await drained(third)
      expect(otherGot).toEqual([])
      expect(publicGot).toEqual([])
      await u.client.removeAllChannels()
      await other.client.removeAllChannels()
      await third.removeAllChannels()
    })

    it('client broadcast and presence on a private channel need an insert policy on realtime.messages', async () => {
      const u = await user()
      const topic = `lst:${u.id}`
      // A second connection of the same user listens: it may read the topic (lst_topic_read).
      const listener = client()
      listener.realtime.setAuth(u.token)
      const heard: { event: string }[] = []
      const lch = listener.channel(topic, { config: { private: true } })
        .on('broadcast', { event: '*' }, m => heard.push(m as never))
        .on('presence', { event: 'sync' }, () => {})
      expect((await subscribe(lch)).status).toBe('SUBSCRIBED')

      // No insert policy for extension 'broadcast': the broadcast is dropped (Supabase sends no reply);
      // none for presence without the claim either: the track is answered with an error.
      const sender = client()
      sender.realtime.setAuth(u.token)
      const sch = sender.channel(topic, { config: { private: true } })
      expect((await subscribe(sch)).status).toBe('SUBSCRIBED')
      expect(await sch.send({ type: 'broadcast', event: 'forged', payload: { x: 1 } })).toBe('ok')
      expect(await sch.track({ who: 'forged' })).toBe('error')

      // lst_presence_write allows presence with the claim: the track is accepted and seen.
      const allowed = client()
      allowed.realtime.setAuth(await sign({ sub: u.id, role: 'authenticated', aud: 'authenticated', lst_presence: 'yes' }))
      const ach = allowed.channel(topic, { config: { private: true, presence: { key: 'allowed' } } })
      expect((await subscribe(ach)).status).toBe('SUBSCRIBED')
      expect(await ach.track({ who: 'allowed' })).toBe('ok')
      await waitFor(() => lch.presenceState().allowed !== undefined)
      expect(Object.keys(lch.presenceState())).toEqual(['allowed'])

      // Messages of one socket are handled in order, so the refused broadcast was handled before the
      // track's reply; a database message sent now arrives after it would have.
      await stack.db.query(`select realtime.send('{}'::jsonb, 'marker', $1, true)`, [topic])
      await waitFor(() => heard.length > 0)
      expect(heard.map(m => m.event)).toEqual(['marker'])
      await Promise.all([listener, sender, allowed].map(c => c.removeAllChannels()))
    })

    it('refuses postgres_changes bindings with a clear reason', async () => {
      const c = client()
      const ch = c.channel('lst-changes').on('postgres_changes', { event: '*', schema: 'public', table: 'lst_rows' }, () => {})
      const res = await subscribe(ch)
      expect(res.status).toBe('CHANNEL_ERROR')
      expect(res.error?.message).toMatch(/broadcast and presence only/)
      await c.removeAllChannels()
    })

    it('refuses a join with an expired token', async () => {
      const now = Math.floor(Date.now() / 1000)
      const expired = await new SignJWT({ sub: randomUUID(), role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now - 100)
        .setExpirationTime(now - 30)
        .sign(new TextEncoder().encode(stack.jwtSecret))
      const c = client()
      c.realtime.setAuth(expired)
      const res = await subscribe(c.channel('lst-expired'))
      expect(res.status).toBe('CHANNEL_ERROR')
      expect(res.error?.message).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago/)
      await c.removeAllChannels()
    })
  })
})
