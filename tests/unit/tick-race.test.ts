// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { tick, withLocalTicks } from '@/composables/readings/useTick'
import 'fake-indexeddb/auto'

describe('a tick made on this phone (offline)', () => {
  it('is known at once, before anything is saved', async () => {
    const { at, saved } = tick('r-1', 's-1', true)
    expect(at).not.toBeNull()
    await saved
  })

  it('wins over a load that finishes after the tap with an older copy (the 标记已读 race)', async () => {
    const stale = { sections: [{ id: 's-2', read_at: null }, { id: 's-3', read_at: '2026-11-30T08:00:00.000Z' }] }
    const { at, saved } = tick('r-1', 's-2', true)
    tick('r-1', 's-3', false)
    // the copy (or an answer that left the server before the tap) arrives now
    expect(withLocalTicks(stale).sections).toEqual([{ id: 's-2', read_at: at }, { id: 's-3', read_at: null }])
    await saved
  })

  it('the last tap on a section is the one shown', () => {
    tick('r-1', 's-4', true)
    tick('r-1', 's-4', false)
    expect(withLocalTicks({ sections: [{ id: 's-4', read_at: '2026-11-30T08:00:00.000Z' }] }).sections[0]!.read_at).toBeNull()
  })
})
