// The empty cluster a new PGlite data folder starts from (supabase/local/pglite-cluster.ts) must be
// there for the installed PGlite: without it a first start falls back to PGlite's initdb, ~800 MB.
// After upgrading PGlite: `npm run pglite:cluster`, and commit the file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { clusterDir, clusterFile, extractCluster } from '../../supabase/local/pglite-cluster'

describe('the committed PGlite cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglite-cluster-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('exists for the installed PGlite version, and no other version\'s is left', async () => {
    const file = await clusterFile()
    expect(existsSync(file), `${file} is missing: run npm run pglite:cluster`).toBe(true)
    expect(readdirSync(clusterDir).filter(f => f.endsWith('.tar.br'))).toEqual([basename(file)])
  })

  it('unpacks into a data folder with its three databases and PG_VERSION', async () => {
    expect(await extractCluster(dir)).toBe(true)
    expect(readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/)
    expect(readdirSync(join(dir, 'base')).sort()).toEqual(['1', '4', '5'])
    expect(existsSync(join(dir, 'global', 'pg_control'))).toBe(true)
  }, 60_000)
})
