import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import pg from 'pg'

const ROOT = resolve(import.meta.dirname, '..')

/** Runs one vitest project against the database `databaseUrl`; returns its exit code. */
export function vitest(project: string, databaseUrl: string, env: Record<string, string> = {}): number {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', project], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl },
  })
  return r.status ?? 1
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl })
  await c.connect()
  try {
    await c.query(sql)
  }
  finally {
    await c.end()
  }
}

/**
 * Run `fn` with the URL of a fresh database on the server `serverUrl` points at (a superuser
 * connection), dropped afterwards: suites and benchmarks never write into the database named there.
 */
export async function withThrowawayDatabase<T>(serverUrl: string, prefix: string, fn: (databaseUrl: string) => Promise<T> | T): Promise<T> {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`
  await onServer(serverUrl, `create database ${name}`)
  const u = new URL(serverUrl)
  u.pathname = `/${name}`
  try {
    return await fn(u.toString())
  }
  finally {
    await onServer(serverUrl, `drop database if exists ${name} with (force)`)
  }
}
