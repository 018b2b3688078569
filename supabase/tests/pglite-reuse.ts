import type { Db } from '../local/db'
// A PGlite copy of the template, reused by the test files a worker runs one after another, put back
// into the template's state between them: opening a copy costs a file one to two CPU seconds
// (unpacking the tarball into PGlite's memory, starting postgres), putting the rows back about a
// tenth of that (the seeds are a few hundred rows).
//
// What a file can leave behind, and how it is undone:
// - rows and sequence values: each table the file changed emptied and refilled from the rows read
//   at open (triggers and foreign-key checks off, as pg_restore loads data), each sequence it moved
//   set back;
// - session state (settings, role, prepared statements, LISTEN, temporary tables, advisory locks):
//   DISCARD ALL, and the file's listeners removed on the JavaScript side;
// - anything in the catalog (a function replaced, a table made, a grant, a role, a comment, a
//   temporary table): not undone but detected — the catalogs' fingerprint differs from the one
//   taken at open — and the copy is closed instead of reused, so the next file opens a fresh one.
import { openDb } from '../local/db'

interface Table {
  name: string
  columns: string
  /** The template's rows, as JSON. */
  rows: string
  /** count:sum(xmin) of the rows now in it; see tableStates. */
  state: string
}
interface Sequence { name: string, lastValue: string, isCalled: boolean }
interface Copy { db: Db, catalog: string, tables: Table[], sequences: Sequence[] }

/**
 * Each catalog's row count and sum of xmin (see tableStates): DDL, grants, comments and roles write
 * catalog rows. Statistics (ANALYZE) are left out; what ANALYZE and VACUUM write into pg_class is
 * written in place and keeps the row's xmin.
 */
export async function catalogFingerprint(db: Db): Promise<string> {
  const { rows: catalogs } = await db.query<{ name: string }>(
    `select c.oid::regclass::text as name from pg_class c
      where c.relnamespace = 'pg_catalog'::regnamespace and c.relkind = 'r'
        and c.relname not in ('pg_statistic', 'pg_statistic_ext_data', 'pg_largeobject')
      order by 1`,
  )
  return (await tableStates(db, catalogs.map(c => c.name))).join(',')
}

/**
 * Each table's row count and sum of xmin. Every row written after this reading has an xmin above
 * every xmin in it (transaction ids only grow), so a table whose reading is unchanged holds the
 * same rows: an update or an insert raises the sum, a delete lowers the count, and a delete with
 * as many inserts raises the sum.
 */
async function tableStates(db: Db, names: string[]): Promise<string[]> {
  if (!names.length)
    return []
  const { rows } = await db.query<{ i: number, state: string }>(names.map((name, i) =>
    `select ${i} as i, count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) as state from ${name}`).join(' union all '))
  return rows.sort((a, b) => a.i - b.i).map(r => r.state)
}

async function sequenceStates(db: Db, names: string[]): Promise<Sequence[]> {
  if (!names.length)
    return []
  const { rows } = await db.query<{ i: number, last_value: string, is_called: boolean }>(names.map((name, i) =>
    `select ${i} as i, last_value::text, is_called from ${name}`).join(' union all '))
  return rows.sort((a, b) => a.i - b.i).map((r, i) => ({ name: names[i]!, lastValue: r.last_value, isCalled: r.is_called }))
}

async function open(template: () => Promise<Blob>): Promise<Copy> {
  const db = await openDb({ loadDataDir: await template() })
  // ordinary and partitioned tables outside the system schemas (a partition's rows go in through its parent)
  const { rows: tables } = await db.query<{ name: string, columns: string, rows: string }>(
    `select c.oid::regclass::text as name, string_agg(quote_ident(a.attname), ', ' order by a.attnum) as columns, '' as rows
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      where c.relkind in ('r', 'p') and not c.relispartition and c.relpersistence = 'p'
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
      group by c.oid order by 1`,
  )
  for (const t of tables)
    t.rows = (await db.query<{ rows: string }>(`select coalesce(jsonb_agg(to_jsonb(x)), '[]')::text as rows from ${t.name} x`)).rows[0]!.rows
  const states = await tableStates(db, tables.map(t => t.name))
  const { rows: sequences } = await db.query<{ name: string }>(
    `select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'S' and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' order by 1`,
  )
  return {
    db,
    catalog: await catalogFingerprint(db),
    tables: tables.map((t, i) => ({ ...t, state: states[i]! })),
    sequences: await sequenceStates(db, sequences.map(s => s.name)),
  }
}

const idle: Copy[] = []

/** Puts the copy back into the template's state; false when it cannot be (its catalog changed). */
async function reset(copy: Copy): Promise<boolean> {
  const { db } = copy
  // a file that stopped inside a transaction of its own
  await db.exec('rollback').catch(() => {})
  await db.exec('discard all')
  if (await catalogFingerprint(db) !== copy.catalog)
    return false
  const states = await tableStates(db, copy.tables.map(t => t.name))
  const changed = copy.tables.filter((t, i) => states[i] !== t.state)
  const sequences = (await sequenceStates(db, copy.sequences.map(s => s.name)))
    .filter((s, i) => s.lastValue !== copy.sequences[i]!.lastValue || s.isCalled !== copy.sequences[i]!.isCalled)
  if (!changed.length && !sequences.length)
    return true
  await db.transaction(async (tx) => {
    // as pg_restore loads data: no triggers, no foreign-key checks (both are triggers)
    await tx.exec('set local session_replication_role = replica')
    for (const t of changed) {
      // delete rather than truncate: a table referenced by an unchanged one cannot be truncated alone
      await tx.exec(`delete from ${t.name}`)
      if (t.rows !== '[]') {
        await tx.query(`insert into ${t.name} (${t.columns}) overriding system value
                        select ${t.columns} from jsonb_populate_recordset(null::${t.name}, $1::jsonb)`, [t.rows])
      }
    }
    for (const s of copy.sequences.filter(s => sequences.some(x => x.name === s.name)))
      await tx.query(`select setval($1::regclass, $2::bigint, $3)`, [s.name, s.lastValue, s.isCalled])
  })
  const after = await tableStates(db, changed.map(t => t.name))
  changed.forEach((t, i) => {
    t.state = after[i]!
  })
  return true
}

/**
 * A copy of the template for one test file: a reused one when the worker has one idle, else a new
 * one. Closing it puts it back (reset) for the worker's next file; the handle is dead after that.
 */
export async function reusedCopy(template: () => Promise<Blob>): Promise<Db> {
  const copy = idle.pop() ?? await open(template)
  const unlisten: (() => Promise<void>)[] = []
  let closed = false
  const { db } = copy
  const live = async () => {
    if (closed)
      throw new Error('test database already closed')
  }
  return {
    ...db,
    query: async <T>(sql: string, params?: unknown[]) => live().then(() => db.query<T>(sql, params)),
    exec: async (sql: string) => live().then(() => db.exec(sql)),
    script: async <T>(sql: string) => live().then(() => db.script<T>(sql)),
    transaction: async fn => live().then(() => db.transaction(fn)),
    listen: async (channel, onNotify) => {
      await live()
      const stop = await db.listen(channel, onNotify)
      unlisten.push(stop)
      return stop
    },
    close: async () => {
      if (closed)
        return
      closed = true
      for (const stop of unlisten)
        await stop().catch(() => {})
      if (await reset(copy).catch(() => false))
        idle.push(copy)
      else
        await db.close()
    },
  }
}

/** How many copies wait in this worker for a next file (pglite-reuse.test.ts). */
export function idleCopies(): number {
  return idle.length
}
