// The empty database cluster a PGlite data folder starts from, kept in the repository per PGlite
// version. PGlite makes one itself when a folder is empty (initdb), but it does so with a second
// PGlite instance beside the first and a copy of that instance's whole WASM heap (it restores the
// heap before each of initdb's postgres runs): about 800 MB at its peak, twice what the stack holds
// once it runs, and 20–40 s. Loading the same cluster from this file costs what a restart costs.
// It depends only on the PGlite build (catalog version, initdb's options, its pgcrypto), not on the
// project's SQL: `npm run pglite:cluster` makes it again after PGlite is upgraded, and
// tests/unit/pglite-cluster.test.ts fails until it is there.
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants, createBrotliDecompress } from 'node:zlib'
import { PGlite } from '@electric-sql/pglite'
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto'

const here = dirname(fileURLToPath(import.meta.url))
export const clusterDir = join(here, 'pglite-cluster')

/** The installed @electric-sql/pglite version (its package.json is not among its exports). */
export async function pgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  let dir = dirname(entry)
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir)
    dir = dirname(dir)
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

export async function clusterFile(): Promise<string> {
  return join(clusterDir, `pglite-${await pgliteVersion()}.tar.br`)
}

let warned = false

function warnMissing(file: string): void {
  if (!warned)
    console.warn(`[db] no ${file}: PGlite runs initdb itself (slow, ~800 MB); make it with \`npm run pglite:cluster\``)
  warned = true
}

/**
 * The cluster for the installed PGlite as an uncompressed tarball (what PGlite's loadDataDir
 * takes), or undefined when there is none for this version: PGlite then runs initdb itself.
 */
export async function initialCluster(): Promise<Blob | undefined> {
  const file = await clusterFile()
  if (!existsSync(file)) {
    warnMissing(file)
    return undefined
  }
  const tar = await promisify(brotliDecompress)(await readFile(file))
  return new Blob([new Uint8Array(tar.buffer, tar.byteOffset, tar.byteLength)], { type: 'application/x-tar' })
}

const field = (h: Buffer, start: number, length: number): string => h.toString('latin1', start, start + length).replace(/\0.*$/s, '')

/**
 * Writes the cluster into an empty data folder as plain files, streamed (a few MB held at a time),
 * so that PGlite then opens it as on a restart; loading it through loadDataDir instead would hold
 * the 40 MB tarball three times over in the server's process, which keeps the memory. Answers
 * false when there is no cluster for the installed PGlite. PG_VERSION, which tells PGlite that
 * a database is there, is written last: an interrupted copy is made again on the next start.
 */
export async function extractCluster(dataDir: string): Promise<boolean> {
  const file = await clusterFile()
  if (!existsSync(file)) {
    warnMissing(file)
    return false
  }
  const root = resolve(dataDir)
  let pgVersion: Buffer | undefined
  let pending: Buffer = Buffer.alloc(0)
  let current: { fd: number, left: number, pad: number, name: string, data?: Buffer[] } | undefined
  let ended = false
  const target = (name: string): string => {
    const path = resolve(root, name.replace(/^\/+/, ''))
    if (path !== root && !path.startsWith(`${root}/`))
      throw new Error(`the cluster file ${file} names a path outside the data folder: ${name}`)
    return path
  }
  for await (const chunk of createReadStream(file).pipe(createBrotliDecompress()) as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    while (!ended) {
      if (current) {
        const n = Math.min(current.left, pending.length)
        if (n > 0) {
          if (current.data)
            current.data.push(Buffer.from(pending.subarray(0, n)))
          else
            writeSync(current.fd, pending, 0, n)
        }
        current.left -= n
        pending = pending.subarray(n)
        if (current.left > 0)
          break
        if (pending.length < current.pad)
          break
        pending = pending.subarray(current.pad)
        if (current.data)
          pgVersion = Buffer.concat(current.data)
        else
          closeSync(current.fd)
        current = undefined
        continue
      }
      if (pending.length < 512)
        break
      const h = pending.subarray(0, 512)
      pending = pending.subarray(512)
      if (h.every(b => b === 0)) {
        ended = true
        break
      }
      const name = [field(h, 345, 155), field(h, 0, 100)].filter(Boolean).join('/')
      const size = Number.parseInt(field(h, 124, 12).trim() || '0', 8)
      const type = String.fromCharCode(h[156]!)
      const path = target(name)
      if (type === '5') {
        mkdirSync(path, { recursive: true, mode: 0o700 })
        continue
      }
      if (type !== '0' && type !== '\0')
        throw new Error(`the cluster file ${file} has an entry of tar type ${JSON.stringify(type)} (${name}); only files and folders are expected`)
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      const isVersion = path === join(root, 'PG_VERSION')
      current = { fd: isVersion ? -1 : openSync(path, 'w', 0o600), left: size, pad: (512 - (size % 512)) % 512, name, data: isVersion ? [] : undefined }
    }
  }
  if (current || !ended || !pgVersion)
    throw new Error(`the cluster file ${file} is cut short`)
  writeFileSync(join(root, 'PG_VERSION'), pgVersion, { mode: 0o600 })
  return true
}

/** Makes the file for the installed PGlite (its own initdb, in memory) and removes other versions'. */
export async function buildCluster(): Promise<{ file: string, bytes: number }> {
  const pgl = await PGlite.create({ extensions: { pgcrypto } })
  let tar: Blob
  try {
    // pgcrypto in schema extensions, as a Supabase database has it before any migration (bootstrap.sql
    // says so again, for a server): CREATE EXTENSION costs the first start ~40 MB that stay, more
    // than the extension's library does when a restart loads it for the first sign-in.
    // Then a clean checkpoint, so that the first start from the copy has no WAL to replay.
    await pgl.exec(`create schema extensions; create extension pgcrypto with schema extensions; checkpoint`)
    tar = await pgl.dumpDataDir('none')
  }
  finally {
    await pgl.close()
  }
  const raw = new Uint8Array(await tar.arrayBuffer())
  // brotli with a 16 MB window finds the repeats across the three databases' catalogs: 40 MB of
  // tar in ~1.5 MB (gzip: 4.5 MB); quality 9 rather than 11 for 10 s instead of minutes, ~10 % larger
  const packed = await promisify(brotliCompress)(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength,
    },
  })
  const file = await clusterFile()
  for (const old of await readdir(clusterDir).catch(() => [] as string[])) {
    if (old.endsWith('.tar.br') && resolve(clusterDir, old) !== file)
      await rm(join(clusterDir, old))
  }
  await writeFile(file, packed)
  return { file, bytes: packed.byteLength }
}
