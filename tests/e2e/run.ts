// npm run test:e2e — start the local stack, build the app against it, serve dist/ and run the
// e2e project of Vitest (tests/e2e/**/*.spec.ts) with a real Chromium.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'vite'
import { serveStatic } from './serve'

/** The part of supabase/local/index.ts this harness uses. */
type StartLocalStack = (opts: { dataDir?: string, port?: number }) => Promise<{ url: string, anonKey: string, serviceRoleKey: string, close: () => Promise<void> }>

const ROOT = resolve(import.meta.dirname, '../..')
const keep = process.env.E2E_KEEP === '1'

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xxdzz-e2e-db-'))
  const outDir = mkdtempSync(join(tmpdir(), 'xxdzz-e2e-dist-'))
  // Imported by path so the app's typecheck does not type-check the stack (it has its own).
  const stackModule = '../../supabase/local/index'
  const { startLocalStack } = await import(stackModule) as { startLocalStack: StartLocalStack }
  const { SUITE_RATE_LIMIT_ENV } = await import('../../supabase/local/auth-config') as { SUITE_RATE_LIMIT_ENV: Record<string, string> }
  Object.assign(process.env, SUITE_RATE_LIMIT_ENV)
  console.log('[e2e] starting the local stack…')
  const stack = await startLocalStack({ dataDir, port: 0 })
  let server: Awaited<ReturnType<typeof serveStatic>> | null = null
  try {
    console.log(`[e2e] stack at ${stack.url}; building the app…`)
    process.env.VITE_SUPABASE_URL = stack.url
    process.env.VITE_SUPABASE_ANON_KEY = stack.anonKey
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    server = await serveStatic(outDir)
    console.log(`[e2e] app at ${server.url}`)
    const code = await new Promise<number>((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'e2e', ...process.argv.slice(2)], {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          E2E_BASE_URL: server!.url,
          E2E_STACK_URL: stack.url,
          E2E_ANON_KEY: stack.anonKey,
          E2E_SERVICE_KEY: stack.serviceRoleKey,
          E2E_DIST: outDir,
        },
      })
      child.on('exit', c => done(c ?? 1))
    })
    return code
  }
  finally {
    await server?.close()
    await stack.close()
    if (!keep) {
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(outDir, { recursive: true, force: true })
    }
  }
}

main().then(code => process.exit(code), (err) => {
  console.error(err)
  process.exit(1)
})
