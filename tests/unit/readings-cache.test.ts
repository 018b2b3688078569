// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { cachedFetch, cacheGet, cachePut, clearCachedCopies, setCacheOwner } from '@/offline/readings-cache'
import 'fake-indexeddb/auto'

describe('offline copies of readings', () => {
  it('belong to the member who made them: another account on the same phone never reads them', async () => {
    let user: string | null = 'teacher-a'
    setCacheOwner(() => user)
    await cachePut('plans', [{ id: 'p1', title: 'A 的计划', read: 3 }])
    expect(await cacheGet('plans')).toEqual([{ id: 'p1', title: 'A 的计划', read: 3 }])

    user = 'teacher-b'
    expect(await cacheGet('plans')).toBeUndefined()
    // offline, B gets the network error, not A's copy
    const offline = () => Promise.reject(new ApiError('network', 0, 'Failed to fetch'))
    await expect(cachedFetch('plans', offline)).rejects.toMatchObject({ key: 'network' })

    user = 'teacher-a'
    expect((await cachedFetch('plans', offline)).offline).toBe(true)
  })

  it('are all forgotten on sign-out', async () => {
    setCacheOwner(() => 'teacher-a')
    await cachePut('reading:r1', { id: 'r1' })
    await clearCachedCopies()
    expect(await cacheGet('reading:r1')).toBeUndefined()
  })
})
