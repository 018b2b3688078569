// npm run dev — the local Supabase-compatible stack (migrated and seeded on first start) and the
// Vite dev server, together. Ctrl-C stops both.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createServer } from 'vite'

const ROOT = resolve(import.meta.dirname, '..')
const stackPort = Number(process.env.PORT ?? 54321)
const stackUrl = `http://127.0.0.1:${stackPort}`

async function waitForStack(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    try {
      if ((await fetch(`${stackUrl}/auth/v1/health`)).ok)
        return
    }
    catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 300))
  }
  throw new Error(`the local stack did not answer at ${stackUrl}`)
}

async function main(): Promise<void> {
  // The stack prints its URL, keys and the demo accounts itself.
  const stack = spawn(process.execPath, [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'supabase/local/cli.ts', 'start'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PORT: String(stackPort) },
  })
  stack.on('exit', (code) => {
    console.error(`the local stack stopped (${code ?? 'signal'})`)
    process.exit(code ?? 1)
  })
  await waitForStack(180_000)

  process.env.VITE_SUPABASE_URL ??= stackUrl
  const vite = await createServer({ root: ROOT, server: { host: '127.0.0.1', port: 5173 } })
  await vite.listen()
  console.log('')
  vite.printUrls()
  console.log('  Open the app on a phone-sized window; sign in with a demo account above.')
  console.log('  Invite code for a new member of 示例一中第一党支部: DEMO2026')

  const stop = async (): Promise<void> => {
    await vite.close()
    stack.kill('SIGTERM')
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
