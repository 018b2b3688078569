import { randomUUID } from 'node:crypto'
import pg from 'pg'

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
