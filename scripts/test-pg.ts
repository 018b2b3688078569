// npm run test:pg — the database and API suites on a PostgreSQL server (CI: Debian's 15)
// instead of PGlite. DATABASE_URL must name a superuser connection; each suite gets fresh
// databases of its own, dropped afterwards.
import pg from 'pg'
import { vitest, withThrowawayDatabase } from './throwaway-db'

const base = process.env.DATABASE_URL
if (!base) {
  console.error('test:pg needs DATABASE_URL, e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres')
  process.exit(2)
}

async function main(): Promise<number> {
  const version = new pg.Client({ connectionString: base })
  await version.connect()
  console.log(`[test:pg] ${(await version.query('select version()')).rows[0].version}`)
  await version.end()

  // db: the suite's own global setup builds a template database and copies it per file
  const dbCode = vitest('db', base!)

  // api: the local stack migrates and seeds a database of its own
  const apiCode = await withThrowawayDatabase(base!, 'xxdzz_api', url => vitest('api', url))
  return dbCode || apiCode
}

main().then(code => process.exit(code), (err) => {
  console.error(err)
  process.exit(1)
})
