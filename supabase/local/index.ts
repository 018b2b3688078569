import type { AuthOptions } from './auth-runtime'
// The one entry point other harnesses use: a database, migrated and seeded, behind the HTTP stack.
import type { Db } from './db'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDb } from './db'
import { ensureRealtimePartitions, prepareDatabase } from './migrate'
import { startServer } from './server'

export interface LocalStackOptions {
  /** PGlite data folder; omitted with no databaseUrl → an in-memory database. */
  dataDir?: string
  /** A PostgreSQL server instead of PGlite (connects as a superuser). */
  databaseUrl?: string
  /** 0 or omitted → a free port. */
  port?: number
  host?: string
  seed?: boolean
  jwtExpiry?: number
  /** Overrides of config.toml's [auth] settings (rate limits, SMS), and the clock. */
  auth?: AuthOptions
}

export interface LocalStack {
  url: string
  anonKey: string
  serviceRoleKey: string
  jwtSecret: string
  db: Db
  /** Re-read the functions exposed by /rest/v1 after creating new ones. */
  reloadSchema: () => Promise<void>
  close: () => Promise<void>
}

const here = dirname(fileURLToPath(import.meta.url))

/**
 * A PGlite data folder's first start (no database there yet) is prepared by a process of its own
 * (prepare-child.ts), which exits: the server then opens a migrated, seeded folder as on a restart,
 * and holds what a restart holds (about half of doing it here; tests/bench/memory.ts measures it).
 */
function prepareInChild(dataDir: string, seed: boolean): Promise<void> {
  const tsx = resolve(here, '../../node_modules/tsx/dist/cli.mjs')
  const args = [tsx, join(here, 'prepare-child.ts'), dataDir, ...(seed ? [] : ['--no-seed'])]
  return new Promise((done, fail) => {
    // its stdout (a line with its own peak RSS) is for tests/bench/memory.ts run by hand, not needed here
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d)
    })
    child.on('error', fail)
    child.on('exit', (code) => {
      if (code !== 0)
        return fail(new Error(`preparing the database failed: ${stderr.trim() || `exit ${code}`}`))
      done()
    })
  })
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  if (!opts.databaseUrl && opts.dataDir && !opts.dataDir.includes('://') && !existsSync(join(opts.dataDir, 'PG_VERSION')))
    await prepareInChild(opts.dataDir, opts.seed !== false)
  const db = await openDb({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl })
  try {
    await prepareDatabase(db, { seed: opts.seed })
    const server = await startServer({ db, port: opts.port, host: opts.host, jwtExpiry: opts.jwtExpiry, auth: opts.auth })
    // Realtime makes the coming days' realtime.messages partitions ahead of time; so does the
    // stack while it runs (a send with no partition for its day would be lost with a warning).
    const janitor = setInterval(() => {
      ensureRealtimePartitions(db).catch((e: unknown) => console.error('[realtime] making partitions failed', e))
    }, 3_600_000)
    janitor.unref()
    return {
      url: server.url,
      anonKey: server.keys.anonKey,
      serviceRoleKey: server.keys.serviceRoleKey,
      jwtSecret: server.keys.jwtSecret,
      db,
      reloadSchema: server.reloadSchema,
      close: async () => {
        clearInterval(janitor)
        await server.close()
        await db.close()
      },
    }
  }
  catch (e) {
    await db.close()
    throw e
  }
}
