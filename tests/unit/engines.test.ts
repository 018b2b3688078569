// Every package the lockfile installs must accept the Node the project says it runs on
// (package.json `engines`, Node 20 here): npm only warns (EBADENGINE) and installs it anyway,
// and such a package may use what Node 20 lacks. Optional platform builds and peers aside.
import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const ours = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).engines.node as string
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string, engines?: { node?: string } | string[], optional?: boolean, peer?: boolean }>
}

describe('dependencies and Node', () => {
  it('the lowest Node the project accepts is one every locked package accepts', () => {
    const lowest = semver.minVersion(ours)!.version
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path && !p.optional && !p.peer)
      .filter(([, p]) => !Array.isArray(p.engines) && typeof p.engines?.node === 'string')
      .filter(([, p]) => !semver.satisfies(lowest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`)
    expect(refusing).toEqual([])
  })
})
