// Section 1: the price of the HTTP stack. The same simple RPC through supabase-js (HTTP, JWT check,
// set_config, JSON) versus run directly on the Db inside a transaction with the same set_config.
import type { BenchContext } from './context'
import { time } from './context'

export async function run(ctx: BenchContext): Promise<void> {
  const user = await ctx.newUser({ display_name: '基准测试' })
  // my_context() is the app's cheapest per-screen call; before the core migration exists a stand-in is made.
  const probe = await user.client.rpc('my_context')
  let fn = 'my_context'
  if (probe.error?.code === 'PGRST202') {
    fn = 'bench_ping'
    await ctx.db.exec(`create or replace function public.bench_ping() returns jsonb language sql stable set search_path = ''
      as $$ select jsonb_build_object('uid', auth.uid()) $$; notify pgrst, 'reload schema';`)
    await new Promise(r => setTimeout(r, 200))
  }
  else if (probe.error) {
    throw new Error(`${fn} failed: ${probe.error.message}`)
  }

  const viaHttp = await time(ctx.n, async () => {
    const { error } = await user.client.rpc(fn)
    if (error) throw new Error(error.message)
  })
  const claims = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
  const direct = await time(ctx.n, () => ctx.db.transaction(async (tx) => {
    await tx.query(
      `select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true),
              set_config('request.jwt.claims', $1, true), set_config('request.method', 'POST', true),
              set_config('request.path', $2, true), set_config('request.headers', '{}', true)`,
      [JSON.stringify(claims), `/rpc/${fn}`],
    )
    await tx.query(`select public.${fn}()::text as body`)
  }))
  ctx.report(`rpc round trip: public.${fn}() × ${ctx.n}`, [
    { path: 'supabase-js over HTTP', 'ms/call': viaHttp.perCallMs.toFixed(2), 'p95 ms': viaHttp.p95Ms.toFixed(2), 'total ms': Math.round(viaHttp.totalMs) },
    { path: 'direct on Db (same set_config)', 'ms/call': direct.perCallMs.toFixed(2), 'p95 ms': direct.p95Ms.toFixed(2), 'total ms': Math.round(direct.totalMs) },
  ])
  console.log(`ratio HTTP / direct: ${(viaHttp.perCallMs / direct.perCallMs).toFixed(2)}×`)
}
