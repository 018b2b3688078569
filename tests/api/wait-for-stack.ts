// Setup file of the api project: before a file's own hooks, wait until the stack this run started
// is up (global-setup.ts starts it while the other projects' files already run). The gate answers
// once it is (204), or says why it did not start (500).
import { beforeAll, inject } from 'vitest'

beforeAll(async () => {
  const gate = inject('stackGate')
  if (!gate)
    return
  const res = await fetch(gate)
  if (res.status !== 204)
    throw new Error(await res.text() || 'the api stack did not start')
})
