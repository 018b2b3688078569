import type { AuthOptions } from './auth-runtime'
// The one entry point other harnesses use: a database, migrated and seeded, behind the HTTP stack.
import type { Db } from './db'
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

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
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
