// Section 1: the price of the HTTP stack. The same simple RPC through supabase-js (HTTP, JWT check,
// set_config, JSON) versus the same settings and call run in-engine on the Db. The ratio that counts
// (issue #15: ≤ 1.5×) has the client in another process, as a phone is, against the call in-engine
// in one message; the in-process client and the four-statement transaction are printed for comparison.
import type { AddressInfo } from 'node:net'
import type { BenchContext } from './context'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { time, verdict } from './context'

function viaChildProcess(args: string[]): Promise<{ totalMs: number, perCallMs: number, p95Ms: number }> {
  const script = fileURLToPath(new URL('./rpc-client.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('error', reject)
    child.on('close', code => code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`rpc-client exited ${code}`)))
  })
}

interface Timing { totalMs: number, perCallMs: number, p95Ms: number }

/**
 * The transport alone: a bare node:http server in this process answering every request with a
 * constant body, called by the same child-process client. No stack can answer faster than this, so
 * it is the floor under the HTTP figure (keep-alive, undici and supabase-js in the client, Node's
 * HTTP parsing and writing here, loopback TCP).
 */
async function bareTransport(run: (url: string) => Promise<Timing>): Promise<Timing> {
  const body = '{"uid":null}'
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length), 'Content-Range': '0-0/*' })
      res.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  finally {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }
}

/**
 * Also the CPU this (the stack's) process spent per call: unlike wall time it barely moves when the
 * machine is shared, so it shows the stack's own cost even where the wall-clock ratio is noise.
 * PGlite's work is inside this process; a PostgreSQL server's is not.
 */
async function withCpu(n: number, run: () => Promise<Timing>): Promise<Timing & { cpuMs: number }> {
  const before = process.cpuUsage()
  const t = await run()
  const used = process.cpuUsage(before)
  // time() makes min(10, n) warm-up calls before the n measured ones.
  return { ...t, cpuMs: (used.user + used.system) / 1000 / (n + Math.min(10, n)) }
}

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

  const viaHttp = await withCpu(ctx.n, () => time(ctx.n, async () => {
    const { error } = await user.client.rpc(fn)
    if (error)
      throw new Error(error.message)
  }))
  const otherProcess = await withCpu(ctx.n, () => viaChildProcess([ctx.url, ctx.anonKey, user.accessToken, fn, String(ctx.n)]))
  const bare = await withCpu(ctx.n, () => bareTransport(url => viaChildProcess([url, ctx.anonKey, user.accessToken, fn, String(ctx.n)])))
  const claims = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
  const lit = (v: string): string => `'${v.replace(/'/g, '\'\'')}'`
  const oneMessage = await withCpu(ctx.n, () => time(ctx.n, () => ctx.db.script(
    `select set_config('transaction_read_only', 'on', true), set_config('search_path', 'public, extensions', true),
            set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${lit(JSON.stringify(claims))}, true),
            set_config('request.method', 'POST', true), set_config('request.path', ${lit(`/rpc/${fn}`)}, true),
            set_config('request.headers', '{}', true), set_config('request.cookies', '{}', true);
     select public.${fn}()::text as body`,
  )))
  const direct = await withCpu(ctx.n, () => time(ctx.n, () => ctx.db.transaction(async (tx) => {
    await tx.query(
      `select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true),
              set_config('request.jwt.claims', $1, true), set_config('request.method', 'POST', true),
              set_config('request.path', $2, true), set_config('request.headers', '{}', true)`,
      [JSON.stringify(claims), `/rpc/${fn}`],
    )
    await tx.query(`select public.${fn}()::text as body`)
  })))
  const row = (path: string, t: Timing & { cpuMs: number }): Record<string, string | number> =>
    ({ path, 'ms/call': t.perCallMs.toFixed(2), 'p95 ms': t.p95Ms.toFixed(2), 'total ms': Math.round(t.totalMs), 'stack cpu ms/call': t.cpuMs.toFixed(2) })
  ctx.report(`rpc round trip: public.${fn}() × ${ctx.n}`, [
    row('supabase-js over HTTP, client in another process', otherProcess),
    row('supabase-js over HTTP, client in the stack\'s process', viaHttp),
    row('the same client against a bare node:http server answering a constant', bare),
    row('in-engine: same settings + call, one message', oneMessage),
    row('in-engine: begin, set_config, call, commit', direct),
  ])
  const ratio = otherProcess.perCallMs / oneMessage.perCallMs
  verdict(`RPC over HTTP from another process / in-engine (${ctx.db.kind})`, `${ratio.toFixed(2)}× (${otherProcess.perCallMs.toFixed(2)} / ${oneMessage.perCallMs.toFixed(2)} ms; stack CPU per call ${(otherProcess.cpuMs / oneMessage.cpuMs).toFixed(2)}×)`, '≤ 1.5×', ratio <= 1.5)
  // What the transport alone costs, and what the stack adds on top of it, against the call in-engine:
  // the second is the stack's own price (PostgREST's would be about 1×: the call, and nothing else).
  console.log(`transport floor: bare server from another process / in-engine: ${(bare.perCallMs / oneMessage.perCallMs).toFixed(2)}× (${bare.perCallMs.toFixed(2)} ms, its process's CPU ${bare.cpuMs.toFixed(2)} ms/call); the stack over that floor / in-engine: ${((otherProcess.perCallMs - bare.perCallMs) / oneMessage.perCallMs).toFixed(2)}×, CPU ${(otherProcess.cpuMs - bare.cpuMs).toFixed(2)} vs ${oneMessage.cpuMs.toFixed(2)} ms/call`)
  console.log(`ratio HTTP (same process) / in-engine transaction (the figure before #15): ${(viaHttp.perCallMs / direct.perCallMs).toFixed(2)}×`)
}
