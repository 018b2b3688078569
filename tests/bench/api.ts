import type { BenchContext } from './context'
// `npm run bench:api` — a benchmark, not a test: starts the local stack on a throwaway database and
// runs the sections in order. Add a section as tests/bench/<area>.ts exporting `run(ctx)` and list it
// below; `npm run bench:api -- <area> …` runs only the named ones.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withThrowawayDatabase } from '../../scripts/throwaway-db'
import { SUITE_RATE_LIMIT_ENV } from '../../supabase/local/auth-config'
import { startLocalStack } from '../../supabase/local/index'
import { makeContext } from './context'

/** Sections whose #15 targets are "on PostgreSQL and on PGlite". */
const BOTH_ENGINES = ['rpc-roundtrip', 'checkin-crowd']

type Section = () => Promise<{ run: (ctx: BenchContext) => Promise<void> }>

/**
 * Run in this order on one database. `scale` comes last: the other sections take the bureau for
 * their county (its attendance summary, its report, a bureau-wide session), which the province's
 * 50,000 members would make a province; `scale` hangs its counties under a province of its own.
 */
const SECTIONS: Record<string, Section> = {
  'rpc-roundtrip': () => import('./rpc-roundtrip'),
  'management': () => import('./management'),
  'readings': () => import('./readings'),
  'topics': () => import('./topics'),
  'checkin-crowd': () => import('./sessions').then(m => ({ run: m.runCrowd })),
  'sessions': () => import('./sessions'),
  'attendance': () => import('./attendance'),
  'scale': () => import('./scale'),
}

async function main(): Promise<void> {
  let wanted = process.argv.slice(2).filter(a => !a.startsWith('-'))
  const unknown = wanted.filter(w => !(w in SECTIONS))
  if (unknown.length)
    throw new Error(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`)
  // DATABASE_URL names a server: the stack gets a throwaway database there, and the sections whose
  // targets name both engines run again on PGlite (the others load more than PGlite loads in minutes)
  if (process.env.DATABASE_URL) {
    await withThrowawayDatabase(process.env.DATABASE_URL, 'xxdzz_bench', databaseUrl => runSections(wanted, { databaseUrl }))
    const both = BOTH_ENGINES.filter(s => !wanted.length || wanted.includes(s))
    if (!both.length)
      return
    console.log(`\n# the same on PGlite: ${both.join(', ')}`)
    wanted = both
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'))
  try {
    await runSections(wanted, { dataDir })
  }
  finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function runSections(wanted: string[], where: { dataDir?: string, databaseUrl?: string }): Promise<void> {
  Object.assign(process.env, SUITE_RATE_LIMIT_ENV)
  const stack = await startLocalStack({ ...where, port: 0, seed: true })
  console.log(`local stack at ${stack.url} (${stack.db.kind})`)
  try {
    const ctx = makeContext(stack)
    for (const [name, load] of Object.entries(SECTIONS)) {
      if (wanted.length && !wanted.includes(name))
        continue
      const mod = await load()
      await mod.run(ctx)
    }
  }
  finally {
    await stack.close()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
