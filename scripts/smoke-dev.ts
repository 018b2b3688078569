import type { WebSocketLikeConstructor } from '@supabase/realtime-js'
// The README's first command on a checkout that has never run: `npm run dev` must make what it
// needs (.local/db), migrate and seed, serve the app and the API; a demo teacher signs in with
// supabase-js and gets her home; Ctrl-C stops everything. CI runs this on its clean clone
// (.ci/run, on a fresh `git clone` of the commit with node_modules linked); by hand likewise:
// `npx tsx scripts/smoke-dev.ts <dir of the clone>`.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { createClient } from '@supabase/supabase-js'
import ws from 'ws'
import { freePort } from './freePort'

const dir = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..'))
const TIMEOUT_MS = Number(process.env.SMOKE_TIMEOUT_MS ?? 300_000)
const TEACHER = { email: 'teacher1@demo.example', password: 'demo1234', name: '张老师（示例）', branch: '示例一中第一党支部' }

let passed = 0
function pass(what: string): void {
  passed++
  console.log(`[smoke-dev] ok: ${what}`)
}
function finish(failure?: string): never {
  if (failure)
    console.error(`[smoke-dev] FAILED: ${failure}`)
  console.log(`fresh-start: ${passed} passed, ${failure ? 1 : 0} failed`)
  process.exit(failure ? 1 : 0)
}

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer()
    s.once('error', () => ok(false))
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)))
  })
}

let exited: { code: number | null, signal: NodeJS.Signals | null } | undefined

/**
 * Polls `probe` until it returns a value, or fails with `what` at the deadline; while `running`,
 * npm having exited fails at once.
 */
async function until<T>(what: string, probe: () => Promise<T | undefined>, deadline: number, running = true): Promise<T> {
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined)
      return v
    if (running && exited)
      throw new Error(`npm run dev exited (${exited.code ?? exited.signal}) before ${what}`)
    await new Promise(r => setTimeout(r, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function main(): Promise<void> {
  if (existsSync(resolve(dir, '.local')))
    finish(`${dir}/.local exists: not a checkout that has never run`)
  pass('no .local/ before the first start')

  const stackPort = await freePort()
  // Its own process group, so that the stop below is what Ctrl-C in a terminal sends.
  const dev = spawn('npm', ['run', 'dev'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(stackPort), FORCE_COLOR: '0', NO_COLOR: '1' },
  })
  let out = ''
  const keep = (prefix: string) => (chunk: Buffer): void => {
    const text = chunk.toString()
    out += text
    for (const line of text.split('\n').filter(Boolean)) console.log(`${prefix} ${line}`)
  }
  dev.stdout.on('data', keep('[dev]'))
  dev.stderr.on('data', keep('[dev!]'))
  dev.on('exit', (code, signal) => {
    exited = { code, signal }
  })
  const stop = (): void => {
    if (!exited) {
      try {
        process.kill(-dev.pid!, 'SIGINT')
      }
      catch { /* already gone */ }
    }
  }
  // However this script ends, it leaves no server behind.
  process.on('exit', () => {
    try {
      process.kill(-dev.pid!, 'SIGKILL')
    }
    catch { /* gone */ }
  })

  try {
    const deadline = Date.now() + TIMEOUT_MS
    // eslint-disable-next-line no-control-regex -- the ESC that starts the colour codes npm run dev prints is what is removed
    const plain = (): string => out.replace(/\x1B\[[0-9;]*m/g, '')
    const apiUrl = `http://127.0.0.1:${stackPort}`
    await until('the API', async () => (await fetch(`${apiUrl}/auth/v1/health`)).ok || undefined, deadline)
    pass(`the API answers at ${apiUrl}`)
    // Vite moves to the next port when 5173 is taken: take the URL it prints.
    const appUrl = await until('the app\'s URL', async () => plain().match(/Local:\s+(http:\/\/\S+?)\/?\s/)?.[1], deadline)
    await until('the app', async () => {
      const r = await fetch(appUrl)
      return r.ok && (await r.text()).includes('id="app"') ? true : undefined
    }, deadline)
    pass(`the app answers at ${appUrl}`)
    if (!existsSync(resolve(dir, '.local/db/PG_VERSION')))
      throw new Error('.local/db was not created')
    pass('.local/db created and migrated')

    const anonKey = plain().match(/anon key:\s+(\S+)/)?.[1]
    if (!anonKey)
      throw new Error('npm run dev printed no anon key')
    const supabase = createClient(apiUrl, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      // Node 20 has no WebSocket of its own; supabase-js makes its Realtime client up front.
      realtime: { transport: ws as unknown as WebSocketLikeConstructor },
    })
    const signIn = await supabase.auth.signInWithPassword({ email: TEACHER.email, password: TEACHER.password })
    if (signIn.error)
      throw new Error(`sign-in as ${TEACHER.email}: ${signIn.error.message}`)
    pass(`${TEACHER.email} signs in with the printed anon key`)

    const home = await supabase.rpc('home_summary')
    if (home.error)
      throw new Error(`home_summary: ${home.error.message}`)
    const ctx = home.data?.context
    const name = ctx?.profile?.display_name
    const branches: string[] = (ctx?.memberships ?? []).map((m: { org_name: string }) => m.org_name)
    if (name !== TEACHER.name || !branches.includes(TEACHER.branch) || !('continue_reading' in home.data))
      throw new Error(`home_summary answered ${JSON.stringify(home.data).slice(0, 300)}`)
    pass('home_summary answers with her profile, her branch and her to-do')

    stop()
    await until('npm run dev to stop on Ctrl-C', async () => exited ?? undefined, Date.now() + 30_000, false)
    // npm ends by the signal, as in a terminal; what matters is that nothing of it stays behind.
    if (exited?.code !== 0 && exited?.signal !== 'SIGINT')
      throw new Error(`npm run dev ended with ${exited?.code ?? exited?.signal} on Ctrl-C`)
    const groupGone = async (): Promise<true | undefined> => {
      try {
        process.kill(-dev.pid!, 0)
      }
      catch { return true }
      return undefined
    }
    await until('every process of npm run dev to end', groupGone, Date.now() + 30_000, false)
    const port = Number(new URL(appUrl).port)
    await until('the ports to be freed', async () => (await portFree(stackPort) && await portFree(port)) || undefined, Date.now() + 10_000, false)
    pass('Ctrl-C stops the app and the stack: no process left, ports freed')
  }
  catch (e) {
    stop()
    finish((e as Error).message)
  }
  finish()
}

main().catch(e => finish(String(e)))
