// `tsx supabase/local/cli.ts start | status -o env | reset` — the local stack's stand-in for the
// Supabase CLI commands the README and the app's env files rely on.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLocalStack } from './index'
import { loadKeys } from './keys'
import { installLastResortGuard } from './server'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// another folder for a throwaway stack (tests/bench/memory.ts starts it afresh and again)
const DATA_DIR = process.env.LOCAL_STACK_DATA_DIR ?? join(ROOT, '.local', 'db')
const DEMO_ACCOUNTS = join(ROOT, 'seeds', 'demo-accounts.json')
const HOST = process.env.HOST ?? '127.0.0.1'
const PORT = Number(process.env.PORT ?? 54321)

interface DemoAccount { label: string, login: string, password: string }

function demoAccounts(): DemoAccount[] {
  if (!existsSync(DEMO_ACCOUNTS))
    return []
  try {
    const list: unknown = JSON.parse(readFileSync(DEMO_ACCOUNTS, 'utf8'))
    return Array.isArray(list) ? list.filter((a): a is DemoAccount => typeof a?.login === 'string' && typeof a?.password === 'string') : []
  }
  catch {
    return []
  }
}

async function start(): Promise<void> {
  installLastResortGuard()
  const databaseUrl = process.env.DATABASE_URL
  const stack = await startLocalStack({ dataDir: databaseUrl ? undefined : DATA_DIR, databaseUrl, port: PORT, host: HOST })
  const lines = [
    'Local Supabase-compatible stack is running.',
    '',
    `         API URL: ${stack.url}`,
    `        Database: ${databaseUrl ? databaseUrl.replace(/\/\/[^@/]*@/, '//***@') : `PGlite in ${DATA_DIR}`}`,
    `      JWT secret: ${stack.jwtSecret}`,
    `        anon key: ${stack.anonKey}`,
    `service_role key: ${stack.serviceRoleKey}`,
  ]
  const accounts = demoAccounts()
  if (accounts.length) {
    lines.push('', 'Demo accounts:')
    for (const a of accounts) lines.push(`  ${a.label}: ${a.login} / ${a.password}`)
  }
  console.log(lines.join('\n'))
  let stopping = false
  const stop = (): void => {
    if (stopping)
      return
    stopping = true
    stack.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

async function status(format: string | undefined): Promise<void> {
  const keys = await loadKeys()
  const url = `http://${HOST}:${PORT}`
  if (format === 'env') {
    console.log([`API_URL="${url}"`, `ANON_KEY="${keys.anonKey}"`, `SERVICE_ROLE_KEY="${keys.serviceRoleKey}"`, `JWT_SECRET="${keys.jwtSecret}"`, `PUBLISHABLE_KEY="${keys.publishableKey}"`, `SECRET_KEY="${keys.secretKey}"`].join('\n'))
    return
  }
  let up = false
  try {
    up = (await fetch(`${url}/auth/v1/health`)).ok
  }
  catch { /* not running */ }
  console.log(`${up ? 'running' : 'not running'}\n         API URL: ${url}\n        anon key: ${keys.anonKey}\nservice_role key: ${keys.serviceRoleKey}`)
}

function reset(): void {
  // Only the PGlite folder: a DATABASE_URL database is someone else's to drop.
  rmSync(DATA_DIR, { recursive: true, force: true })
  console.log(`Removed ${DATA_DIR}; the next start applies migrations and seeds afresh.`)
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv
  const oIndex = rest.findIndex(a => a === '-o' || a === '--output')
  const format = oIndex >= 0 ? rest[oIndex + 1] : rest.find(a => a.startsWith('--output='))?.slice('--output='.length)
  switch (cmd) {
    case 'start': return start()
    case 'status': return status(format)
    case 'reset': return reset()
    default:
      console.error('usage: tsx supabase/local/cli.ts start | status [-o env] | reset')
      process.exitCode = 2
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
