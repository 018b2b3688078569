// useMorePages: the later pages of a paged view (plan progress, attendance rates).
import { describe, expect, it } from 'vitest'
import { useMorePages } from '@/composables/useMorePages'

// members 1..n in pages of `size` (500 when the export asks), the cursor being the last one given
function server(n: number, size = 2) {
  const asked: { after: number, limit: number }[] = []
  const page = async (after: number, limit = size) => {
    asked.push({ after, limit })
    const members = Array.from({ length: Math.max(0, Math.min(limit, n - after)) }, (_, i) => after + i + 1)
    return { members, next: after + members.length < n ? after + members.length : null }
  }
  return { page, asked, first: () => page(0) }
}

describe('useMorePages', () => {
  it('appends the page after the cursor until there is none, then asks no more', async () => {
    const s = server(5)
    const p = useMorePages(s.page)
    p.restart(await s.first())
    expect(p.hasMore.value).toBe(true)
    // as van-list asks: it sets its loading flag, more() clears it once the page is in
    p.listLoading.value = true
    await p.more()
    expect(p.listLoading.value).toBe(false)
    await p.more()
    expect(p.later.value).toEqual([3, 4, 5])
    expect(p.hasMore.value).toBe(false)
    p.listLoading.value = true
    await p.more()
    expect(p.listLoading.value).toBe(false)
    expect(p.failed.value).toBe(false)
    expect(s.asked.map(a => a.after)).toEqual([0, 2, 4])
  })

  it('drops a page that arrives after the view was read again', async () => {
    const s = server(6)
    let release!: () => void
    const slow = async (after: number, limit?: number) => {
      await new Promise<void>(r => (release = r))
      return s.page(after, limit)
    }
    const p = useMorePages(slow)
    p.restart(await s.first())
    const late = p.more()
    p.restart({ members: [1], next: 1 })
    release()
    await late
    expect(p.later.value).toEqual([])
    expect(p.next.value).toBe(1)
  })

  it('keeps the list and says so when a page fails, and asks again after', async () => {
    let offline = true
    const s = server(3, 1)
    const p = useMorePages(async (after: number, limit?: number) => offline ? Promise.reject(new Error('offline')) : s.page(after, limit))
    p.restart({ members: [1], next: 1 })
    p.listLoading.value = true
    await p.more()
    expect(p.failed.value).toBe(true)
    expect(p.listLoading.value).toBe(false)
    expect(p.later.value).toEqual([])
    expect(p.hasMore.value).toBe(true)
    offline = false
    await p.more()
    expect(p.failed.value).toBe(false)
    expect(p.later.value).toEqual([2])
  })

  it('reads the rest, 500 at a time, for an export', async () => {
    const s = server(1203)
    const p = useMorePages(s.page)
    p.restart(await s.first())
    const rest = await p.rest()
    expect(rest).toEqual(Array.from({ length: 1201 }, (_, i) => i + 3))
    expect(s.asked.slice(1).map(a => a.limit)).toEqual([500, 500, 500])
  })
})
