import type { TestProject } from 'vitest/node'
// Starts the local stack once for the api project (fresh temp PGlite folder, or DATABASE_URL), unless
// SUPABASE_URL + SUPABASE_ANON_KEY point the contract tests at a real Supabase instead.
import { mkdtempSync, rmSync } from 'node:fs'
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
    project.provide('seededTemplate', '')
    project.provide('unseededTemplate', '')
    return undefined
  }
  const { startLocalStack } = await import('../../supabase/local/index')
  const { SUITE_RATE_LIMIT_ENV } = await import('../../supabase/local/auth-config')
  const { pgliteTemplates, templateBlob } = await import('../../supabase/tests/template')
  Object.assign(process.env, SUITE_RATE_LIMIT_ENV)
  const databaseUrl = process.env.DATABASE_URL
  const dataDir = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'api-stack-'))
  // on PGlite the stack opens a copy of the migrated template the db suite uses, instead of migrating again
  const templates = databaseUrl ? undefined : await pgliteTemplates()
  project.provide('seededTemplate', templates?.seeded ?? '')
  project.provide('unseededTemplate', templates?.unseeded ?? '')
  const loadDataDir = templates && await templateBlob(templates.seeded)
  const stack = await startLocalStack({ dataDir, databaseUrl, port: 0, loadDataDir })
  project.provide('supabaseUrl', stack.url)
  project.provide('anonKey', stack.anonKey)
  project.provide('serviceRoleKey', stack.serviceRoleKey)
  project.provide('jwtSecret', stack.jwtSecret)
  project.provide('localStack', true)
  return async () => {
    await stack.close()
    if (dataDir)
      rmSync(dataDir, { recursive: true, force: true })
  }
}
