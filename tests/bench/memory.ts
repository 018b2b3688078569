// npm run bench:memory (run first by npm run bench:api) — a benchmark, not a test: the embedded
// stack's memory (PGlite), on its first start in an empty data folder (bootstrap, migrations,
// seeds) and on a restart of the same folder. It starts `supabase/local/cli.ts start` as
// `npm run dev` does, samples the resident memory of that process and everything it started
// (/proc, Linux) until the API answers and then while it sits idle, and prints peak and idle RSS.
// Target (issue #15): the first start costs no more than a restart.
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../../scripts/freePort'
import { verdict } from './context'

const ROOT = resolve(import.meta.dirname, '../..')
const IDLE_MS = Number(process.env.BENCH_MEMORY_IDLE_MS ?? 10_000)
const SAMPLE_MS = 50
const mb = (n: number) => Math.round(n / 1048576)

/** A line the stack prints after each start-up phase with LOCAL_STACK_MEMORY_TRACE set (supabase/local/index.ts). */
interface Phase { phase: string, ms: number, rss: number, maxRss: number, wasm: number | null, wasmRss: number | null }

/** pid → [ppid, rss bytes] for every process, from /proc. */
function processes(): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d))
      continue
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8')
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1])
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
      out.set(Number(d), [ppid, rss])
    }
    catch { /* gone meanwhile */ }
  }
  return out
}

/** RSS of `root` and its descendants: the whole tree, and the biggest single process. */
function treeRss(root: number): { total: number, biggest: number } {
  const all = processes()
  const inTree = new Set([root])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, [ppid]] of all) {
      if (inTree.has(ppid) && !inTree.has(pid)) {
        inTree.add(pid)
        grew = true
      }
    }
  }
  let total = 0
  let biggest = 0
  for (const pid of inTree) {
    const rss = all.get(pid)?.[1] ?? 0
    total += rss
    biggest = Math.max(biggest, rss)
  }
  return { total, biggest }
}

async function measure(dataDir: string, label: string) {
  const port = await freePort()
  const started = Date.now()
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'supabase/local/cli.ts', 'start'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), LOCAL_STACK_DATA_DIR: dataDir, DATABASE_URL: '', LOCAL_STACK_MEMORY_TRACE: '1' },
  })
  // the stack's own line per start-up phase (its RSS and PGlite's WASM memory); the rest is passed on
  const phases: Phase[] = []
  let pending = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (pending + String(chunk)).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.startsWith('[memory] '))
        phases.push(JSON.parse(line.slice('[memory] '.length)) as Phase)
      else
        process.stderr.write(`${line}\n`)
    }
  })
  const exited = new Promise<void>(done => child.on('exit', () => done()))
  let peak = 0
  let peakProcess = 0
  const sample = () => {
    const r = treeRss(child.pid!)
    peak = Math.max(peak, r.total)
    peakProcess = Math.max(peakProcess, r.biggest)
    return r
  }
  const timer = setInterval(sample, SAMPLE_MS)
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${label}: the stack exited (${child.exitCode})`)
      try {
        if ((await fetch(`http://127.0.0.1:${port}/auth/v1/health`)).ok)
          break
      }
      catch { /* not up yet */ }
      await new Promise(r => setTimeout(r, 200))
    }
    const readyMs = Date.now() - started
    await new Promise(r => setTimeout(r, IDLE_MS))
    const idle = sample()
    const row = { label, readyS: Math.round(readyMs / 100) / 10, peakMB: mb(peak), peakOneProcessMB: mb(peakProcess), idleMB: mb(idle.total) }
    return { row, phases }
  }
  finally {
    clearInterval(timer)
    child.kill('SIGTERM')
    await exited
  }
}

async function main() {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'xxdzz-bench-mem-')), 'db')
  try {
    const runs = [await measure(dataDir, 'first start (migrations + seeds)'), await measure(dataDir, 'restart')]
    for (const { row, phases } of runs) {
      console.log(`${row.label}: the server process after each phase (RSS now and at its peak so far, PGlite's WASM memory and the part of it resident):`)
      console.table(phases.map(p => ({ phase: p.phase, atS: Math.round(p.ms / 100) / 10, rssMB: mb(p.rss), peakRssMB: mb(p.maxRss), wasmMB: p.wasm === null ? '-' : mb(p.wasm), wasmResidentMB: p.wasmRss === null ? '-' : mb(p.wasmRss) })))
    }
    const rows = runs.map(r => r.row)
    console.log(`local stack on PGlite, RSS of the stack's processes (peak until the API answers, then after ${IDLE_MS / 1000} s idle):`)
    console.table(rows)
    const [first, again] = rows as [typeof rows[0], typeof rows[0]]
    const ok = first.peakMB <= again.peakMB * 1.1 && first.idleMB <= again.idleMB * 1.1
    verdict('PGlite stack, first start vs restart', `peak ${first.peakMB} / ${again.peakMB} MB, idle ${first.idleMB} / ${again.idleMB} MB`, 'first start ≤ restart (within 10%)', ok)
  }
  finally {
    rmSync(resolve(dataDir, '..'), { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err)
  process.exit(1)
})
