import type { TestProject } from 'vitest/node'
// Starts the local stack once for the api project (fresh temp PGlite folder, or DATABASE_URL), unless
// SUPABASE_URL + SUPABASE_ANON_KEY point the contract tests at a real Supabase instead.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

declare module 'vitest' {
  export interface ProvidedContext {
    supabaseUrl: string
    anonKey: string
    serviceRoleKey: string
    /** Empty when testing a real Supabase whose secret was not given (SUPABASE_JWT_SECRET). */
    jwtSecret: string
    /** True when the tests run against the stack this setup started. */
    localStack: boolean
    /** That stack's gate: answers once the stack is up (204), or why it failed (500); '' for a real Supabase. */
    stackGate: string
    /** PGlite: the migrated templates (supabase/tests/template.ts) a test's own stack may start from; '' on a server. */
    seededTemplate: string
    unseededTemplate: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const externalUrl = process.env.SUPABASE_URL
  const externalAnon = process.env.SUPABASE_ANON_KEY
  if (externalUrl && externalAnon) {
    project.provide('supabaseUrl', externalUrl.replace(/\/+$/, ''))
    project.provide('anonKey', externalAnon)
    project.provide('serviceRoleKey', process.env.SUPABASE_SERVICE_ROLE_KEY ?? '')
    project.provide('jwtSecret', process.env.SUPABASE_JWT_SECRET ?? '')
    project.provide('localStack', false)
    project.provide('stackGate', '')
    project.provide('seededTemplate', '')
    project.provide('unseededTemplate', '')
    return undefined
  }
  const { startLocalStack } = await import('../../supabase/local/index')
  const { SUITE_RATE_LIMIT_ENV } = await import('../../supabase/local/auth-config')
  const { loadKeys } = await import('../../supabase/local/keys')
  const { pgliteTemplates, templateBlob } = await import('../../supabase/tests/template')
  const { freePort } = await import('../../scripts/freePort')
  Object.assign(process.env, SUITE_RATE_LIMIT_ENV)
  const databaseUrl = process.env.DATABASE_URL
  const dataDir = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'api-stack-'))
  // on PGlite the stack opens a copy of the migrated template the db suite uses, instead of migrating again
  const templates = databaseUrl ? undefined : await pgliteTemplates()
  project.provide('seededTemplate', templates?.seeded ?? '')
  project.provide('unseededTemplate', templates?.unseeded ?? '')
  // The stack starts while the other projects' files already run (its start is seconds every run
  // would otherwise wait through): its address and keys are known before it listens, and an api
  // file's first import of env.ts waits on the gate, which answers once the stack is up.
  const port = await freePort()
  const keys = await loadKeys()
  const started = (async () => {
    const loadDataDir = templates && await templateBlob(templates.seeded)
    return startLocalStack({ dataDir, databaseUrl, port, loadDataDir })
  })()
  started.catch(() => {}) // reported through the gate
  const gate = createServer((_req, res) => {
    started.then(
      stack => res.writeHead(stack.anonKey === keys.anonKey ? 204 : 500).end(),
      (e: Error) => res.writeHead(500).end(`the api stack did not start: ${e.message}`),
    )
  })
  const gatePort = await freePort()
  await new Promise<void>(ok => gate.listen(gatePort, '127.0.0.1', ok))
  project.provide('stackGate', `http://127.0.0.1:${gatePort}/`)
  project.provide('supabaseUrl', `http://127.0.0.1:${port}`)
  project.provide('anonKey', keys.anonKey)
  project.provide('serviceRoleKey', keys.serviceRoleKey)
  project.provide('jwtSecret', keys.jwtSecret)
  project.provide('localStack', true)
  return async () => {
    gate.close()
    await (await started.catch(() => null))?.close()
    if (dataDir)
      rmSync(dataDir, { recursive: true, force: true })
  }
}
