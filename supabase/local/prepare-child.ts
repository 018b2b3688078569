// Run by startLocalStack (index.ts) in a process of its own on a PGlite data folder's first
// start: bootstrap, migrations and seeds there, then exit. PGlite's WASM heap grows to what the
// biggest of those needed and never gives memory back, so done in the server's process they left
// it holding twice what a restart does for as long as it runs. Exiting hands it all back.
// `tsx supabase/local/prepare-child.ts <dataDir> [--no-seed]`
import { openDb } from './db'
import { prepareDatabase } from './migrate'

async function main(): Promise<void> {
  const dataDir = process.argv[2]
  if (!dataDir)
    throw new Error('usage: prepare-child.ts <dataDir> [--no-seed]')
  const db = await openDb({ dataDir })
  try {
    await prepareDatabase(db, { seed: !process.argv.includes('--no-seed') })
  }
  finally {
    await db.close()
  }
  // the parent reads the child's peak from here (tests/bench/memory.ts prints it)
  process.stdout.write(`${JSON.stringify({ peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`)
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
