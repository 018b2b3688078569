import type { AuthOptions } from './auth-runtime'
// The one entry point other harnesses use: a database, migrated and seeded, behind the HTTP stack.
import type { Db } from './db'
import { readFileSync } from 'node:fs'
import { openDb } from './db'
import { ensureRealtimePartitions, prepareDatabase } from './migrate'
import { startServer } from './server'

export interface LocalStackOptions {
  /** PGlite data folder; omitted with no databaseUrl → an in-memory database. */
  dataDir?: string
  /** A PostgreSQL server instead of PGlite (connects as a superuser). */
  databaseUrl?: string
  /** PGlite: a data dir dump to start from (the test suites' migrated template) instead of an empty cluster. */
  loadDataDir?: Blob
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

/**
 * With LOCAL_STACK_MEMORY_TRACE set, one stderr line per start-up phase: the process's RSS and
 * PGlite's WASM memory (which only grows). tests/bench/memory.ts prints them per phase.
 */
function memoryTracer(db: Db, started: number): ((phase: string) => void) | undefined {
  if (!process.env.LOCAL_STACK_MEMORY_TRACE)
    return undefined
  return (phase) => {
    const wasm = db.wasmHeapBytes?.() ?? null
    console.error(`[memory] ${JSON.stringify({ phase, ms: Date.now() - started, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, wasm, wasmRss: wasm === null ? null : residentOfMapping(wasm) })}`)
  }
}

/** The resident part of this process's memory mapping of exactly `bytes` (PGlite's WASM memory), from /proc (Linux). */
function residentOfMapping(bytes: number): number | null {
  let smaps: string
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8')
  }
  catch {
    return null
  }
  let inIt = false
  for (const line of smaps.split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line)
    if (range) {
      inIt = Number.parseInt(range[2]!, 16) - Number.parseInt(range[1]!, 16) === bytes
      continue
    }
    const rss = inIt && /^Rss:\s+(\d+) kB/.exec(line)
    if (rss)
      return Number(rss[1]) * 1024
  }
  return null
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now()
  const db = await openDb({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, loadDataDir: opts.loadDataDir })
  const trace = memoryTracer(db, started)
  trace?.('open')
  try {
    await prepareDatabase(db, { seed: opts.seed, onPhase: trace })
    const server = await startServer({ db, port: opts.port, host: opts.host, jwtExpiry: opts.jwtExpiry, auth: opts.auth })
    trace?.('server')
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
