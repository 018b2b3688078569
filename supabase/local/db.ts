// The one database handle the local stack and the SQL tests use: PGlite (PostgreSQL in WASM,
// data kept in a folder) by default, a PostgreSQL server when a connection URL is given.
// Both are driven as a superuser, as the Supabase platform drives its own database.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto'
import pg from 'pg'
import { extractCluster, initialCluster } from './pglite-cluster'

export interface Queryable {
  query: <T = Record<string, any>>(sql: string, params?: unknown[]) => Promise<{ rows: T[] }>
  /** Runs a script of several statements (no parameters). */
  exec: (sql: string) => Promise<void>
}

export interface Db extends Queryable {
  kind: 'pglite' | 'postgres'
  /**
   * Several statements sent as one simple-protocol message: one round trip and one implicit
   * transaction (a failure rolls all back); answers the rows of the last statement. Values must be
   * inlined as literals — there are no parameters.
   */
  script: <T = Record<string, any>>(sql: string) => Promise<{ rows: T[] }>
  /** BEGIN … COMMIT around fn; ROLLBACK when it throws. */
  transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>
  /** LISTEN on a channel; resolves to a function that stops listening. */
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>
  close: () => Promise<void>
  /** PGlite only: the data folder as a tarball (gzipped unless 'none'), to start copies from (tests). */
  dumpDataDir?: (compression?: 'gzip' | 'none') => Promise<Blob>
  /** PGlite only: the size of its WASM memory, which grows and never shrinks (tests/bench/memory.ts). */
  wasmHeapBytes?: () => number
}

export interface OpenDbOptions {
  /** PGlite data folder; omitted means in memory. */
  dataDir?: string
  /** A PGlite data dir dump (from dumpDataDir) to start from, for fast test isolation. */
  loadDataDir?: Blob | File
  /** postgres://… — use a PostgreSQL server instead of PGlite. */
  databaseUrl?: string
}

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  if (opts.databaseUrl)
    return openPostgres(opts.databaseUrl)
  return openPglite(opts)
}

async function openPglite(opts: OpenDbOptions): Promise<Db> {
  // PGlite makes its data folder but not the folders above it: a fresh clone has no `.local/`.
  // A URL-style dataDir (memory://, idb://) is PGlite's to handle.
  // A new database starts from the committed empty cluster (pglite-cluster.ts) rather than from
  // PGlite's own initdb, which costs twice the memory the stack holds afterwards: a folder gets
  // the cluster's files before PGlite opens it, an in-memory database loads it as a tarball.
  let loadDataDir = opts.loadDataDir
  if (opts.dataDir && !opts.dataDir.includes('://')) {
    mkdirSync(opts.dataDir, { recursive: true })
    if (!loadDataDir && !existsSync(join(opts.dataDir, 'PG_VERSION')))
      await extractCluster(opts.dataDir)
  }
  else if (!loadDataDir && (!opts.dataDir || opts.dataDir.startsWith('memory://'))) {
    loadDataDir = await initialCluster()
  }
  const pgl = await PGlite.create({ dataDir: opts.dataDir, loadDataDir, extensions: { pgcrypto } })
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await q.query<T>(sql, params)).rows }),
    exec: async (sql: string) => { await q.exec(sql) },
  })
  return {
    kind: 'pglite',
    dumpDataDir: (compression = 'gzip') => pgl.dumpDataDir(compression),
    wasmHeapBytes: () => pgl.Module.HEAPU8.byteLength,
    ...wrap(pgl),
    script: async <T>(sql: string) => {
      const results = await pgl.exec(sql)
      return { rows: (results[results.length - 1]?.rows ?? []) as T[] }
    },
    transaction: fn => pgl.transaction(tx => fn(wrap(tx))),
    listen: async (channel, onNotify) => {
      const unlisten = await pgl.listen(channel, onNotify)
      return async () => {
        await unlisten()
      }
    },
    close: () => pgl.close(),
  }
}

// int8 and numeric come back as strings from node-postgres; PGlite gives numbers. The stack
// only reads small counters and ids, so parse int8 to number for one behaviour on both engines.
pg.types.setTypeParser(20, v => Number(v))

async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // An idle connection the server drops (restart, admin kill) emits 'error' on the pool; unheard, it
  // would end the process. The pool replaces the connection on next use.
  pool.on('error', (e: Error) => console.error('[db] idle connection', e.message))
  const wrap = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await c.query(sql, params as any[])).rows as T[] }),
    exec: async (sql: string) => { await c.query(sql) },
  })
  const listeners: pg.Client[] = []
  return {
    kind: 'postgres',
    ...wrap(pool),
    script: async <T>(sql: string) => {
      // Without values node-postgres uses the simple protocol, which is what allows several statements.
      const r = await pool.query(sql) as pg.QueryResult | pg.QueryResult[]
      const last = Array.isArray(r) ? r[r.length - 1] : r
      return { rows: (last?.rows ?? []) as T[] }
    },
    transaction: async (fn) => {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await fn(wrap(client))
        await client.query('commit')
        return result
      }
      catch (e) {
        await client.query('rollback').catch(() => {})
        throw e
      }
      finally {
        client.release()
      }
    },
    listen: async (channel, onNotify) => {
      // LISTEN needs a connection of its own that stays open, outside the pool.
      const client = new pg.Client({ connectionString: url })
      client.on('error', (e: Error) => console.error(`[db] listen ${channel}`, e.message))
      await client.connect()
      client.on('notification', (n) => {
        if (n.channel === channel)
          onNotify(n.payload ?? '')
      })
      await client.query(`listen ${pg.escapeIdentifier(channel)}`)
      listeners.push(client)
      return async () => {
        await client.end().catch(() => {})
        listeners.splice(listeners.indexOf(client), 1)
      }
    },
    close: async () => {
      await Promise.all(listeners.map(l => l.end().catch(() => {})))
      await pool.end()
    },
  }
}
