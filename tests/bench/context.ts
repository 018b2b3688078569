import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
import type { SupabaseClient } from '@supabase/supabase-js'
import type { Db } from '../../supabase/local/db'
// What every benchmark section gets: a running local stack and a few conveniences. A section is a
// module `tests/bench/<area>.ts` exporting `async function run(ctx: BenchContext)`.
import { randomUUID } from 'node:crypto'
import { loadavg } from 'node:os'
import { createClient } from '@supabase/supabase-js'
import { SignJWT } from 'jose'
import ws from 'ws'

export interface BenchUser { id: string, email: string, password: string, client: SupabaseClient, accessToken: string }

export interface BenchContext {
  url: string
  anonKey: string
  serviceRoleKey: string
  jwtSecret: string
  /** Superuser connection to the same database (for setup and for "direct" baselines). */
  db: Db
  /** Round trips per measurement; `BENCH_N` overrides. */
  n: number
  client: (accessToken?: string) => SupabaseClient
  /** A confirmed user created through the admin API and signed in. */
  newUser: (metadata?: Record<string, unknown>) => Promise<BenchUser>
  report: (section: string, rows: Record<string, string | number>[]) => void
}

export function makeContext(stack: { url: string, anonKey: string, serviceRoleKey: string, jwtSecret: string, db: Db }): BenchContext {
  const client = (accessToken?: string): SupabaseClient => createClient(stack.url, stack.anonKey, {
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    auth: { persistSession: false, autoRefreshToken: false },
    ...(accessToken ? { global: { headers: { Authorization: `Bearer ${accessToken}` } } } : {}),
  })
  const admin = createClient(stack.url, stack.serviceRoleKey, {
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    auth: { persistSession: false, autoRefreshToken: false },
  })
  return {
    ...stack,
    n: Number(process.env.BENCH_N) || 200,
    client,
    newUser: async (metadata = {}) => {
      const email = `bench-${randomUUID().slice(0, 12)}@example.com`
      const password = `pw-${randomUUID().slice(0, 8)}`
      const created = await admin.auth.admin.createUser({ email, password, email_confirm: true, user_metadata: metadata })
      if (created.error)
        throw created.error
      const c = client()
      const signedIn = await c.auth.signInWithPassword({ email, password })
      if (signedIn.error)
        throw signedIn.error
      return { id: created.data.user.id, email, password, client: c, accessToken: signedIn.data.session.access_token }
    },
    report: (section, rows) => {
      console.log(`\n## ${section}`)
      console.table(rows)
    },
  }
}

/** An access token for user `sub`, signed with the stack's JWT secret: many members, no sign-in each. */
export function tokenFor(ctx: BenchContext, sub: string): Promise<string> {
  return new SignJWT({ sub, role: 'authenticated', aud: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(ctx.jwtSecret))
}

/** Runs fn n times (after a short warm-up) and returns per-call milliseconds. */
export async function time(n: number, fn: () => Promise<unknown>): Promise<{ totalMs: number, perCallMs: number, p95Ms: number }> {
  for (let i = 0; i < Math.min(10, n); i++) await fn()
  const samples: number[] = []
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  const totalMs = performance.now() - start
  samples.sort((a, b) => a - b)
  return { totalMs, perCallMs: totalMs / n, p95Ms: samples[Math.floor(samples.length * 0.95)] ?? 0 }
}

/**
 * One line per issue #15 target, in one shape, so that a run's verdicts can be read (or grepped
 * for "target") together: the figure, the target, met / NOT met, and the load average it was taken at.
 */
export function verdict(what: string, figure: string, target: string, met: boolean): void {
  const la = loadavg().map(x => x.toFixed(2)).join(' / ')
  console.log(`target: ${what}: ${figure} (target ${target}) — ${met ? 'met' : 'NOT met'} [load ${la}, ${new Date().toISOString().slice(11, 19)} UTC]`)
}
