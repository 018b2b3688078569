import type { Db } from '../local/db'
// The rules of Supabase's database advisors (the splinter project) that apply to this schema,
// written as queries over the catalog. Each test names the advisor lint it stands for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb } from './db'

let db: Db
beforeAll(async () => {
  db = await freshDb()
})
afterAll(async () => {
  await db?.close()
})

const ours = `('public', 'app')`

async function rows(sql: string): Promise<string[]> {
  return (await db.query<{ v: string }>(sql)).rows.map(r => r.v)
}

describe('database advisor lints', () => {
  it('0013/0007: every table of ours has RLS enabled', async () => {
    expect(await rows(`
      select n.nspname || '.' || c.relname as v from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname in ${ours} and not c.relrowsecurity`)).toEqual([])
  })

  it('0008: no table with RLS enabled and no policy', async () => {
    expect(await rows(`
      select n.nspname || '.' || c.relname as v from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname in ${ours} and c.relrowsecurity
         and not exists (select 1 from pg_policy p where p.polrelid = c.oid)`)).toEqual([])
  })

  it('the API exposes no table: public holds functions only', async () => {
    expect(await rows(`
      select c.relname as v from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')`)).toEqual([])
  })

  it('0001: every foreign key is covered by an index', async () => {
    expect(await rows(`
      select conrelid::regclass::text || ' (' || conname || ')' as v
        from pg_constraint c join pg_namespace n on n.oid = c.connamespace
       where c.contype = 'f' and n.nspname in ${ours}
         and not exists (
           select 1 from pg_index i
            where i.indrelid = c.conrelid
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)`)).toEqual([])
  })

  it('0003: policies call auth.<fn>() through (select …) so it runs once per query', async () => {
    expect(await rows(`
      select schemaname || '.' || tablename || ' ' || policyname as v from pg_policies
       where schemaname in ('public', 'app', 'realtime')
         and ((qual ~ 'auth\\.(uid|jwt|role|email)\\(\\)' and lower(qual) !~ 'select\\s+auth\\.(uid|jwt|role|email)\\(\\)')
           or (with_check ~ 'auth\\.(uid|jwt|role|email)\\(\\)' and lower(with_check) !~ 'select\\s+auth\\.(uid|jwt|role|email)\\(\\)'))`)).toEqual([])
  })

  it('0006: at most one permissive policy per table, role and command', async () => {
    expect(await rows(`
      select format('%s.%s %s %s', schemaname, tablename, r, cmd) as v
        from pg_policies, unnest(roles) r
       where schemaname in ${ours} and permissive = 'PERMISSIVE'
       group by schemaname, tablename, r, cmd having count(*) > 1`)).toEqual([])
  })

  it('0024: no write policy that lets any signed-in user through with true', async () => {
    expect(await rows(`
      select format('%s.%s %s', schemaname, tablename, policyname) as v from pg_policies
       where schemaname in ${ours} and cmd in ('INSERT', 'UPDATE', 'DELETE', 'ALL')
         and (coalesce(qual, 'true') = 'true' and coalesce(with_check, 'true') = 'true')`)).toEqual([])
  })

  it('0011: every function of ours has a fixed search_path', async () => {
    expect(await rows(`
      select p.oid::regprocedure::text as v from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ${ours}
         and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`)).toEqual([])
  })

  it('0028/0029: no security definer function in the API that anon or authenticated can call', async () => {
    expect(await rows(`
      select p.oid::regprocedure::text as v from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.prosecdef
         and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))`)).toEqual([])
  })

  it('anon can call only what sign-up needs', async () => {
    expect(await rows(`
      select p.proname::text as v from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and has_function_privilege('anon', p.oid, 'execute') order by 1`)).toEqual(['invite_preview'])
  })
})
